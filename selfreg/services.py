"""Writes to the kernel: the register, groupings and roles. Each is one transaction."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from selfreg import access
from selfreg.models import (
    AreaGrouping,
    Council,
    CouncilType,
    GroupingKind,
    GroupingMembership,
    MembershipStatus,
    Nation,
)
from selfreg.refusals import Refused
from selfreg.register import RegisterRecord

COUNCIL_FIELDS = (
    "gss_code",
    "name",
    "official_name",
    "kind",
    "nation",
    "region",
    "population",
    "area_km2",
    "start_date",
    "end_date",
    "ecode",
    "former_gss_codes",
    "latitude",
    "longitude",
    "gov_uk_slug",
)


@dataclass
class RegisterReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_in_file: list[str] = field(default_factory=list)
    groupings: int = 0


def register_load(*, records: list[RegisterRecord]) -> RegisterReport:
    """Create or update every council in the register; derive regions and county areas.

    Safe to rerun: an unchanged file changes nothing. A council that gains an end date is
    reported as retired. Councils missing from the file are reported, never deleted, because
    data submitted for them must stay valid for the periods in which they existed.
    """
    report = RegisterReport()
    with transaction.atomic():
        existing = {c.la_code: c for c in Council.objects.all()}
        for record in records:
            values = {name: getattr(record, name) for name in COUNCIL_FIELDS}
            council = existing.get(record.la_code)
            if council is None:
                council = Council.objects.create(la_code=record.la_code, **values)
                existing[record.la_code] = council
                report.created.append(record.la_code)
                continue
            changed = {k: v for k, v in values.items() if getattr(council, k) != v}
            if not changed:
                report.unchanged += 1
                continue
            if "end_date" in changed and council.end_date is None:
                report.retired.append(record.la_code)
            else:
                report.updated.append(record.la_code)
            for name, value in changed.items():
                setattr(council, name, value)
            council.save()
        _link_councils(records, existing, report)
        listed = {r.la_code for r in records}
        report.not_in_file = sorted(code for code in existing if code not in listed)
        report.groupings = groupings_derive()
    return report


def _link_councils(records, councils: dict[str, Council], report: RegisterReport) -> None:
    for record in records:
        council = councils[record.la_code]
        county = councils[record.county_code] if record.county_code else None
        if council.county_id != (county.pk if county else None):
            council.county = county
            council.save(update_fields=["county"])
            if record.la_code not in report.created + report.updated + report.retired:
                report.updated.append(record.la_code)
        wanted = {councils[code].pk for code in record.successor_codes}
        current = set(council.successors.values_list("pk", flat=True))
        if wanted != current:
            council.successors.set(wanted)


def groupings_derive() -> int:
    """Regions (and nations outside England) and county areas, from the register.

    Membership follows the register exactly, so rerunning after a reorganisation moves
    councils between groupings without touching councils' own footprints.
    """
    wanted: dict[str, tuple[str, str, set[int]]] = {}
    for council in Council.objects.exclude(kind__in=[CouncilType.COMBINED, CouncilType.STRATEGIC]):
        area = council.region if council.nation == Nation.ENGLAND else council.nation
        if area:
            slug = f"region-{slugify(area)}"
            wanted.setdefault(slug, (area, GroupingKind.REGION, set()))[2].add(council.pk)
    for county in Council.objects.filter(kind=CouncilType.COUNTY):
        slug = f"county-{slugify(county.name)}"
        members = {county.pk, *county.districts.values_list("pk", flat=True)}
        wanted[slug] = (f"{county.name} county area", GroupingKind.COUNTY_AREA, members)

    for slug, (name, kind, members) in wanted.items():
        grouping, _ = AreaGrouping.objects.update_or_create(
            slug=slug, defaults={"name": name, "kind": kind}
        )
        have = set(grouping.memberships.values_list("council_id", flat=True))
        grouping.memberships.filter(council_id__in=have - members).delete()
        GroupingMembership.objects.bulk_create(
            [
                GroupingMembership(grouping=grouping, council_id=pk, joined_at=timezone.now())
                for pk in members - have
            ]
        )
    return len(wanted)


def grouping_create(*, user, owner: Council, name: str, description: str = "") -> AreaGrouping:
    """A council forms a footprint of its own, with itself as the first member."""
    if not access.is_officer_of(user, owner) and not access.is_sector_staff(user):
        raise PermissionDenied("Only an officer of the owning council can create its grouping.")
    base = slugify(name)[:100] or "grouping"
    slug, n = base, 1
    while AreaGrouping.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    with transaction.atomic():
        grouping = AreaGrouping.objects.create(
            slug=slug,
            name=name,
            description=description,
            kind=GroupingKind.FOOTPRINT,
            owner=owner,
            created_by=user,
        )
        GroupingMembership.objects.create(
            grouping=grouping, council=owner, invited_by=user, joined_at=timezone.now()
        )
    return grouping


def grouping_invite(*, user, grouping: AreaGrouping, council: Council) -> GroupingMembership:
    """Invite a council; it joins only when one of its officers accepts."""
    if not access.can_manage_grouping(user, grouping):
        raise PermissionDenied("Only officers of the owning council can invite.")
    if grouping.memberships.filter(council=council).exists():
        raise Refused(f"{council} is already a member or invited.")
    return GroupingMembership.objects.create(
        grouping=grouping, council=council, status=MembershipStatus.INVITED, invited_by=user
    )


def invitation_answer(*, membership: GroupingMembership, accept: bool) -> None:
    with transaction.atomic():
        if accept:
            membership.status = MembershipStatus.MEMBER
            membership.joined_at = timezone.now()
            membership.save(update_fields=["status", "joined_at"])
        else:
            membership.delete()


def grouping_member_remove(*, user, grouping: AreaGrouping, council: Council) -> None:
    if not access.can_manage_grouping(user, grouping):
        raise PermissionDenied("Only officers of the owning council can remove members.")
    if council.pk == grouping.owner_id:
        raise Refused("The owning council cannot leave its own grouping.")
    grouping.memberships.filter(council=council).delete()
