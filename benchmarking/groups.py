"""Comparison groups named in requests: `all`, `type:`, `region:`, `similar:`,
`similar-people:`, `similar-place:`, `similar-finance:`, `similar-by-measure:`, `grouping:`,
`custom:`. Resolves a name to the label under which `selectors.group_members` stores it, or to
the councils of a custom group, which is computed when asked for.

`similar-by-measure:<gss>` compares each measure with the council's similar councils in the
measure's own set (`families.family_for_metric`); `group_for_metric` turns it into that set's
stored group.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd
from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from benchmarking.families import SIMILAR_PREFIXES, family_for_metric, similar_label
from benchmarking.models import SimilarCouncil
from selfreg import access
from selfreg.models import AreaGrouping, Council, CouncilType, GroupingKind, Nation

REGION_CODES_FILE = settings.BASE_DIR / "data" / "councils" / "region_codes.csv"
GROUP_FORMS = (
    "all, type:<type code>, region:<region slug or code>, similar:<gss>, "
    "similar-people:<gss>, similar-place:<gss>, similar-finance:<gss>, "
    "similar-by-measure:<gss>, grouping:<slug> or custom:<gss>,<gss>,…"
)
BY_MEASURE = "similar-by-measure"
SET_WORDS = {
    "overall": _("%(name)s and its most similar councils"),
    "people": _("%(name)s and its most similar councils for people services"),
    "place": _("%(name)s and its most similar councils for place services"),
    "finance": _("%(name)s and its most similar councils for finance"),
    BY_MEASURE: _("%(name)s and its most similar councils for each measure's kind of service"),
}


class GroupNotFound(LookupError):
    """The group named does not exist; the message says what would."""


def codes(text: str | None) -> list[str]:
    """Distinct items of a comma-separated parameter, in the order given."""
    items = [item.strip() for item in (text or "").split(",")]
    return list(dict.fromkeys(item for item in items if item))


@functools.cache
def region_codes() -> dict[str, str]:
    """ONS region code (RGNCD) to region name (RGNNM), from data/councils/region_codes.csv."""
    frame = pd.read_csv(REGION_CODES_FILE, dtype=str, usecols=["RGNCD", "RGNNM"])
    return dict(zip(frame["RGNCD"].str.strip(), frame["RGNNM"].str.strip(), strict=True))


def known_regions() -> dict[str, str]:
    """Region slug to area name, as `selectors.region_group` derives them from the register."""
    areas = Council.objects.with_gss().order_by().values_list("region", "nation").distinct()
    names = {(region if nation == Nation.ENGLAND else nation) for region, nation in areas}
    return {slugify(name): name for name in names if name}


def region_area(text: str) -> tuple[str, str] | None:
    """(slug, area name) for a region's slug, name or ONS code, or a nation's name."""
    text = text.strip()
    slug = slugify(region_codes().get(text.upper(), text))
    area = known_regions().get(slug)
    return (slug, area) if area else None


def region_q(area: str) -> Q:
    """Councils in a region of England, or in a nation outside it."""
    return Q(nation=Nation.ENGLAND, region=area) | (~Q(nation=Nation.ENGLAND) & Q(nation=area))


@dataclass(frozen=True)
class Group:
    label: str  # exactly as `selectors.group_members` writes it, or `custom:<gss>,…`
    council_ids: tuple[int, ...] | None = None  # only for custom groups

    @property
    def is_custom(self) -> bool:
        return self.council_ids is not None


def resolve_group(user, text: str) -> Group:
    kind, _sep, argument = text.strip().partition(":")
    kind, argument = kind.strip().lower(), argument.strip()
    if kind == "all" and not argument:
        return Group("all")
    if kind == "type" and argument.upper() in CouncilType.values:
        return Group(f"type:{argument.upper()}")
    if kind == "type":
        raise GroupNotFound(
            f"No council type has the code '{argument}'. "
            f"Use one of {', '.join(CouncilType.values)}."
        )
    if kind == "region":
        found = region_area(argument)
        if found is None:
            raise GroupNotFound(
                f"No region is called '{argument}'. Use a region's name, its slug or its ONS "
                "code (such as E12000001), or Wales, Scotland or Northern Ireland."
            )
        return Group(f"region:{found[0]}")
    if kind in SIMILAR_PREFIXES or kind == BY_MEASURE:
        try:
            council = access.access_council_by_gss(user, argument.upper())
        except Http404:
            raise GroupNotFound(f"No council has the code '{argument}'.") from None
        return Group(f"{kind}:{council.gss_code}")
    if kind == "grouping":
        try:
            grouping = access.access_grouping_by_slug(user, argument)
        except Http404:
            raise GroupNotFound(f"No grouping is called '{argument}'.") from None
        if grouping.kind == GroupingKind.REGION:  # stored once, as the region group
            return Group(f"region:{grouping.slug.removeprefix('region-')}")
        return Group(f"grouping:{grouping.slug}")
    if kind == "custom":
        wanted = sorted({code.upper() for code in codes(argument)})
        if not wanted:
            raise GroupNotFound("A custom group needs at least one GSS code: custom:<gss>,<gss>,…")
        found = dict(Council.objects.filter(gss_code__in=wanted).values_list("gss_code", "pk"))
        missing = [code for code in wanted if code not in found]
        if missing:
            raise GroupNotFound(f"No council has the code(s) {', '.join(missing)}.")
        return Group(f"custom:{','.join(wanted)}", tuple(found[code] for code in wanted))
    raise GroupNotFound(f"Unknown group '{text}'. Use {GROUP_FORMS}.")


def describe_group(group: Group) -> str:
    """The group in words, for headings and captions."""
    kind, _sep, argument = group.label.partition(":")
    if kind == "all":
        return str(_("all councils with figures"))
    if kind == "type":
        return str(_("%(type)s councils")) % {"type": CouncilType(argument).label}
    if kind == "region":
        return str(_("councils in %(area)s")) % {"area": known_regions().get(argument, argument)}
    if kind in SIMILAR_PREFIXES or kind == BY_MEASURE:
        council = Council.objects.filter(gss_code=argument).first()
        name = council.name if council else argument
        return str(SET_WORDS[SIMILAR_PREFIXES.get(kind, kind)]) % {"name": name}
    if kind == "grouping":
        grouping = AreaGrouping.objects.filter(slug=argument).first()
        return grouping.name if grouping else argument
    return str(_("%(n)s councils you chose")) % {"n": len(group.council_ids or ())}


def stored_kinds(gss_code: str) -> set[str]:
    """The similarity sets stored for a council (one query)."""
    # Any era: an abolished council's groups are stored for the periods it existed in.
    rows = SimilarCouncil.objects.filter(council__gss_code=gss_code).values_list("kind", flat=True)
    return set(rows.distinct())


def group_for_metric(group: Group, metric, kinds: set[str] | None = None) -> Group:
    """The stored group to read ``metric`` in: a by-measure group becomes the metric's own set,
    or the overall set where the council has none of that kind (``kinds``: the sets stored)."""
    kind, _sep, gss = group.label.partition(":")
    if kind != BY_MEASURE:
        return group
    family = family_for_metric(metric)
    if kinds is not None and family not in kinds:
        family = "overall"
    return Group(similar_label(family, gss))
