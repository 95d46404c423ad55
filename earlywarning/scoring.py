"""The risk assessment: a council's live signals combined into a band, with every contribution
explained. Pure: plain Python, no Django, no database. Method note: docs/method/risk-scoring.md.

Points
    Each kind of signal has points (its catalogue weight) for a signal of severity 2. A
    severity 1 signal counts half, a severity 3 signal one and a half times (the factors are
    data, in `data/scoring.csv`). A signal's points fade with age: after one half-life of its
    kind they are halved, after two a quarter, and so on. A signal observed after the date of
    the assessment does not count at all (no look-ahead); one that has faded below
    ``min_points`` no longer counts.

Domains
    Every kind of signal belongs to one of four domains: financial, audit and governance,
    service, corporate. Each domain counts at most its maximum. Some kinds of signal can add
    up to at most a cap of their own (``type_cap``), so many small signals of one kind cannot
    fill a domain.

Score and band
    The score is the points counted, as a share of the points that apply to the kind of
    council: a council without social care (a district) has smaller maxima, because the
    signals about social care, children's services and SEND cannot apply to it. The band is
    the highest whose threshold the score reaches: ``low``, ``watch``, ``elevated``,
    ``high``.

The two-domain rule
    A band of ``elevated`` or ``high`` stands only if the signals come from at least two
    domains, or if the assessment one period earlier (``period_months`` before) had already
    reached ``elevated`` on its points. Otherwise the band is held at ``watch`` and the
    assessment says why.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

BANDS = ("low", "watch", "elevated", "high")
DOMAINS = ("financial", "audit_governance", "service", "corporate")
DOMAIN_NAMES = {
    "financial": "financial",
    "audit_governance": "audit and governance",
    "service": "service",
    "corporate": "corporate",
}
DAYS_PER_MONTH = 365.25 / 12


def band_rank(band: str) -> int:
    return BANDS.index(band)


@dataclass(frozen=True)
class TypeInfo:
    """What scoring needs of a kind of signal (a row of the catalogue)."""

    code: str
    name: str
    domain: str
    weight: float
    half_life_months: float
    category: str = ""
    social_care_only: bool = False


@dataclass(frozen=True)
class Scheme:
    """The points scheme, fixed in advance as data (`data/scoring.csv`)."""

    domain_max: Mapping[str, float]
    domain_max_without_social_care: Mapping[str, float]
    severity_factor: Mapping[int, float]
    thresholds: Mapping[str, float]  # watch, elevated, high: the lowest score of each band
    period_months: int = 3
    min_points: float = 0.05
    type_cap: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        for domain in DOMAINS:
            if domain not in self.domain_max or domain not in self.domain_max_without_social_care:
                raise ValueError(f"the scheme has no maximum for the {domain} domain")
        values = [self.thresholds[b] for b in BANDS[1:]]
        if not all(0 < a < b <= 1 for a, b in zip(values, values[1:], strict=False)):
            raise ValueError("band thresholds must rise strictly, between 0 and 1")
        if set(self.severity_factor) != {1, 2, 3}:
            raise ValueError("the scheme needs a factor for severities 1, 2 and 3")

    def maxima(self, social_care: bool) -> Mapping[str, float]:
        return self.domain_max if social_care else self.domain_max_without_social_care

    def band_for(self, score: float) -> str:
        band = "low"
        for name in BANDS[1:]:
            if score >= self.thresholds[name] - 1e-12:
                band = name
        return band


@dataclass(frozen=True)
class Signal:
    """One signal about a council, recorded by a person or derived by a rule.

    ``explanation`` is the sentence a chief executive would read; ``rule`` names the rule that
    raised it; ``value``, ``group``, ``data_date`` and ``source`` say what it rests on.
    """

    code: str
    observed_on: datetime.date
    severity: int
    explanation: str
    rule: str = ""
    value: str = ""
    group: str = ""
    data_date: str = ""
    source: str = ""
    critical: bool = False
    provisional: bool = False


@dataclass
class Contribution:
    code: str
    name: str
    domain: str
    observed_on: datetime.date
    severity: int
    full_points: float
    points: float
    age_months: float
    half_life_months: float
    explanation: str
    rule: str
    value: str
    group: str
    data_date: str
    source: str
    counted: float = 0.0  # points after the type and domain caps

    @property
    def words(self) -> str:
        """The contribution as one paragraph: what, by which rule, against whom, from what."""
        parts = [self.explanation.rstrip(".") + "."]
        if self.rule:
            parts.append(f"Rule: {self.rule}.")
        if self.group:
            parts.append(f"Compared with {self.group}.")
        if self.data_date or self.source:
            parts.append(f"Data: {', '.join(p for p in (self.data_date, self.source) if p)}.")
        parts.append(
            f"Counts {self.points:.2f} of {self.full_points:.2f} points "
            f"(observed {self.observed_on.isoformat()}, {self.age_months:.1f} months before, "
            f"half-life {self.half_life_months:g} months)."
        )
        return " ".join(parts)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "domain": self.domain,
            "observed_on": self.observed_on.isoformat(),
            "severity": self.severity,
            "full_points": round(self.full_points, 4),
            "points": round(self.points, 4),
            "counted": round(self.counted, 4),
            "age_months": round(self.age_months, 2),
            "explanation": self.explanation,
            "rule": self.rule,
            "value": self.value,
            "group": self.group,
            "data_date": self.data_date,
            "source": self.source,
            "words": self.words,
        }


@dataclass
class Result:
    as_of: datetime.date
    band: str
    raw_band: str
    score: float
    points: float
    applicable_points: float
    domains: dict[str, dict]
    contributions: list[Contribution]
    held_back: str = ""

    @property
    def live_domains(self) -> list[str]:
        return [d for d in DOMAINS if self.domains[d]["points"] > 0]

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "band": self.band,
            "raw_band": self.raw_band,
            "score": round(self.score, 4),
            "points": round(self.points, 4),
            "applicable_points": self.applicable_points,
            "domains": self.domains,
            "held_back": self.held_back,
            "contributions": [c.as_dict() for c in self.contributions],
        }


def age_in_months(observed_on: datetime.date, as_of: datetime.date) -> float:
    return (as_of - observed_on).days / DAYS_PER_MONTH


def decay(age_months: float, half_life_months: float) -> float:
    """The share of its points a signal keeps at an age: 1 when new, 0.5 after one half-life."""
    if age_months < 0:
        raise ValueError("a signal cannot be older than the assessment date allows")
    if half_life_months <= 0:
        raise ValueError("a half-life must be positive")
    return 0.5 ** (age_months / half_life_months)


def previous_date(as_of: datetime.date, months: int) -> datetime.date:
    """The date ``months`` earlier (later if negative): a month end stays a month end, and
    another day becomes the same day, or the month's last day where that day is missing."""
    index = as_of.year * 12 + as_of.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    last = following - datetime.timedelta(days=1)
    if (as_of + datetime.timedelta(days=1)).day == 1:
        return last
    return datetime.date(year, month, min(as_of.day, last.day))


def assess(
    signals: Iterable[Signal],
    *,
    as_of: datetime.date,
    social_care: bool,
    types: Mapping[str, TypeInfo],
    scheme: Scheme,
    previous_raw_band: str | None = None,
) -> Result:
    """Combine a council's signals into its band on ``as_of``.

    ``previous_raw_band`` is the band the points alone gave one period earlier (None when
    there was no assessment then, which counts as below elevated).
    """
    maxima = scheme.maxima(social_care)
    contributions = [
        c
        for c in (_contribution(s, as_of, social_care, types, scheme) for s in signals)
        if c is not None
    ]
    contributions.sort(key=lambda c: (DOMAINS.index(c.domain), -c.points, c.code))
    # Caps: first each kind's own cap, then each domain's maximum, shared out in proportion.
    _apply_type_caps(contributions, scheme)
    domains = _apply_domain_maxima(contributions, maxima)
    applicable = float(sum(maxima[d] for d in DOMAINS))
    points = sum(d["points"] for d in domains.values())
    score = points / applicable if applicable else 0.0
    raw_band = scheme.band_for(score)
    band, held_back = _two_domain_rule(raw_band, domains, previous_raw_band)
    return Result(
        as_of=as_of,
        band=band,
        raw_band=raw_band,
        score=score,
        points=points,
        applicable_points=applicable,
        domains=domains,
        contributions=contributions,
        held_back=held_back,
    )


def _contribution(
    signal: Signal,
    as_of: datetime.date,
    social_care: bool,
    types: Mapping[str, TypeInfo],
    scheme: Scheme,
) -> Contribution | None:
    """What one signal adds on ``as_of``, before any cap; None when it does not count.

    A signal does not count if it was observed after ``as_of`` (no look-ahead), if it is about
    social care and the council has none, or if it has faded below ``scheme.min_points``.
    An unknown kind of signal or severity is an error: it would otherwise be silently dropped.
    """
    if signal.observed_on > as_of:
        return None  # not known yet: no look-ahead
    info = types.get(signal.code)
    if info is None:
        raise ValueError(f"no kind of signal has the code {signal.code!r}")
    if info.social_care_only and not social_care:
        return None
    if signal.severity not in scheme.severity_factor:
        raise ValueError(f"severity must be 1, 2 or 3, not {signal.severity!r}")
    full = info.weight * scheme.severity_factor[signal.severity]
    age = age_in_months(signal.observed_on, as_of)
    points = full * decay(age, info.half_life_months)
    if points < scheme.min_points:
        return None
    return Contribution(
        code=info.code,
        name=info.name,
        domain=info.domain,
        observed_on=signal.observed_on,
        severity=signal.severity,
        full_points=full,
        points=points,
        age_months=age,
        half_life_months=info.half_life_months,
        explanation=signal.explanation,
        rule=signal.rule,
        value=signal.value,
        group=signal.group,
        data_date=signal.data_date,
        source=signal.source,
    )


def _apply_type_caps(contributions: list[Contribution], scheme: Scheme) -> None:
    """Set each contribution's ``counted`` to its points, scaled down so that the signals of a
    kind with a cap of its own (``scheme.type_cap``) add up to no more than that cap."""
    by_type: dict[str, list[Contribution]] = {}
    for c in contributions:
        by_type.setdefault(c.code, []).append(c)
    for code, items in by_type.items():
        total = sum(c.points for c in items)
        cap = scheme.type_cap.get(code)
        share = min(1.0, cap / total) if cap is not None and total > 0 else 1.0
        for c in items:
            c.counted = c.points * share


def _apply_domain_maxima(
    contributions: list[Contribution], maxima: Mapping[str, float]
) -> dict[str, dict]:
    """Scale each domain's ``counted`` points down to at most the domain's maximum, in
    proportion, and return each domain's summary: points counted, points before the
    maximum, the maximum and the number of signals."""
    domains: dict[str, dict] = {}
    for domain in DOMAINS:
        items = [c for c in contributions if c.domain == domain]
        raw = sum(c.counted for c in items)
        maximum = float(maxima[domain])
        counted = min(raw, maximum)
        if raw > 0:
            for c in items:
                c.counted *= counted / raw
        domains[domain] = {
            "points": round(counted, 4),
            "uncapped": round(raw, 4),
            "max": maximum,
            "signals": len(items),
        }
    return domains


def _two_domain_rule(
    raw_band: str, domains: Mapping[str, dict], previous_raw_band: str | None
) -> tuple[str, str]:
    """The band that stands, and why it was held back ("" if it was not).

    ``elevated`` or ``high`` from a single domain stands only if the points one period earlier
    had already reached ``elevated``; otherwise the band is held at ``watch``.
    """
    live = [d for d in DOMAINS if domains[d]["points"] > 0]
    if band_rank(raw_band) < band_rank("elevated") or len(live) >= 2:
        return raw_band, ""
    if previous_raw_band is not None and band_rank(previous_raw_band) >= band_rank("elevated"):
        return raw_band, ""
    only = DOMAIN_NAMES[live[0]] if live else "no"
    return "watch", (
        f"The points reach {raw_band}, but every signal is in one domain ({only}) and "
        f"the assessment one period earlier did not reach elevated, so the band is held "
        f"at watch until a second domain shows a signal or the next period confirms it."
    )
