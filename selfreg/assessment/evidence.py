"""Does a theme's judgement sit oddly with the benchmark evidence it cites?

Pure: takes a judgement's place on the scale and the cited metrics' quartile bands, returns
whether they disagree and why, in words. The method is explained for councils in
docs/method/self-assessment-evidence.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

BEST_BAND, WORST_BAND = 1, 4


@dataclass(frozen=True)
class EvidenceCheck:
    disagrees: bool
    reason: str
    compared: int  # cited metrics that have a quartile band


def judgement_check(*, level: int, levels: int, bands: list[int | None]) -> EvidenceCheck:
    """Compare a judgement with the quartile bands of the metrics cited for it.

    `level` is the judgement's place on the scale, 0 for the top level ("Strong") to
    `levels - 1` for the bottom one ("Weak"). `bands` holds each cited metric's quartile band
    against the council's similar councils, 1 best to 4 worst, or None where it has none
    (not compared, or neither higher nor lower is better).

    They disagree when the judgement is the top level while more than half of the compared
    metrics are in the worst quarter, or the bottom level while more than half are in the
    best quarter. Middle judgements are never flagged: the bands are too coarse to say that
    "good" should have been "adequate".
    """
    if levels < 2 or not 0 <= level < levels:
        raise ValueError(f"level must be between 0 and {levels - 1}")
    for band in bands:
        if band is not None and band not in (1, 2, 3, 4):
            raise ValueError(f"a quartile band is 1 to 4, not {band}")
    compared = [b for b in bands if b is not None]
    n = len(compared)
    if n == 0:
        return EvidenceCheck(False, _("None of the cited metrics is compared with others."), 0)
    worst = compared.count(WORST_BAND)
    best = compared.count(BEST_BAND)
    out_of = {"count": None, "n": n}
    if level == 0 and worst * 2 > n:
        out_of["count"] = worst
        reason = ngettext(
            "Judged at the top level, but %(count)s of the %(n)s compared metric is in the "
            "worst quarter of similar councils.",
            "Judged at the top level, but %(count)s of the %(n)s compared metrics are in the "
            "worst quarter of similar councils.",
            n,
        )
        return EvidenceCheck(True, reason % out_of, n)
    if level == levels - 1 and best * 2 > n:
        out_of["count"] = best
        reason = ngettext(
            "Judged at the bottom level, but %(count)s of the %(n)s compared metric is in the "
            "best quarter of similar councils.",
            "Judged at the bottom level, but %(count)s of the %(n)s compared metrics are in the "
            "best quarter of similar councils.",
            n,
        )
        return EvidenceCheck(True, reason % out_of, n)
    return EvidenceCheck(False, _("The judgement does not contradict the cited metrics."), n)
