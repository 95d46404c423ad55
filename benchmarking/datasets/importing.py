"""Writing a dataset: its family groups and, in one transaction, its metrics, groups,
values and reference figures, through the ordinary import services."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from benchmarking.datasets.base import DatasetContent, Grouping


@dataclass
class GroupingReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    joined: int = 0
    left: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.joined or self.left)


class GroupingError(ValueError):
    """A grouping cannot be saved; nothing was changed."""


def groupings_upsert(groupings: Iterable[Grouping | tuple]) -> GroupingReport:
    """Create or update family groups and make their members exactly those listed.

    One transaction. A slug already used by a grouping of another kind (a council's own
    footprint, say) is refused rather than taken over; so is a GSS code the portal does not
    hold.
    """
    from django.db import transaction

    from selfreg.models import AreaGrouping, Council, GroupingKind

    wanted = [Grouping(*g) for g in groupings]
    report = GroupingReport()
    if not wanted:
        return report
    ids = dict(Council.objects.with_gss().values_list("gss_code", "pk"))
    unknown = sorted({c for g in wanted for c in g.gss_codes if c not in ids})
    if unknown:
        raise GroupingError(f"No council has the code {', '.join(unknown)}.")
    with transaction.atomic():
        existing = {
            g.slug: g
            for g in AreaGrouping.objects.select_for_update().filter(
                slug__in=[w.slug for w in wanted]
            )
        }
        clash = sorted(s for s, g in existing.items() if g.kind != GroupingKind.FAMILY)
        if clash:
            raise GroupingError(
                f"These short names belong to groupings that are not family groups: "
                f"{', '.join(clash)}."
            )
        for item in wanted:
            grouping = _grouping_save(item, existing.get(item.slug), report)
            _members_set(grouping, {ids[c] for c in item.gss_codes}, report)
    return report


def _grouping_save(item: Grouping, grouping, report: GroupingReport):
    """The family group for ``item``, created or its name and description brought up to
    date."""
    from selfreg.models import AreaGrouping, GroupingKind

    if grouping is None:
        grouping = AreaGrouping.objects.create(
            slug=item.slug,
            name=item.name,
            description=item.description,
            kind=GroupingKind.FAMILY,
        )
        report.created.append(item.slug)
    elif (grouping.name, grouping.description) != (item.name, item.description):
        grouping.name, grouping.description = item.name, item.description
        grouping.save(update_fields=["name", "description"])
        report.updated.append(item.slug)
    else:
        report.unchanged += 1
    return grouping


def _members_set(grouping, members: set[int], report: GroupingReport) -> None:
    """Make the group's members exactly the councils with these ids."""
    from django.utils import timezone

    from selfreg.models import GroupingMembership, MembershipStatus

    current = set(
        GroupingMembership.objects.filter(grouping=grouping).values_list("council_id", flat=True)
    )
    # Delete one by one (there are few) so the membership history records each.
    for membership in GroupingMembership.objects.filter(grouping=grouping).exclude(
        council_id__in=members
    ):
        membership.delete()
        report.left += 1
    for membership in GroupingMembership.objects.filter(
        grouping=grouping, council_id__in=members
    ).exclude(status=MembershipStatus.MEMBER):
        membership.status = MembershipStatus.MEMBER
        membership.joined_at = membership.joined_at or timezone.now()
        membership.save(update_fields=["status", "joined_at"])
        report.joined += 1
    for council_id in sorted(members - current):
        GroupingMembership.objects.create(
            grouping=grouping,
            council_id=council_id,
            status=MembershipStatus.MEMBER,
            joined_at=timezone.now(),
        )
        report.joined += 1


@dataclass
class DatasetReport:
    metrics: object
    groupings: GroupingReport
    values: object
    pairs: set[tuple[int, str]]
    references: object = None


def dataset_import(*, name: str, content: DatasetContent) -> DatasetReport:
    """Write a dataset whole, in one transaction: its metrics, family groups and values.

    Reference figures (England's, say) are written in the same transaction: after it, the
    dataset's metrics have exactly the reference figures the files give.

    Raises FileProblems or GroupingError with nothing written. Returns the metric-periods
    whose comparisons must be recomputed, also recorded as pending recomputes: those whose
    values changed and, when family group membership changed, every metric-period of the
    dataset.
    """
    from django.db import transaction

    from benchmarking.models import Source, Value
    from benchmarking.services import (
        comparisons_recompute_queue,
        metrics_import,
        references_import,
        values_import,
    )

    with transaction.atomic():
        metrics = metrics_import(rows=content.metrics, dataset=name)
        groupings = groupings_upsert(content.groupings)
        values = values_import(
            frame=content.values, source=Source.DATASET, source_ref=name, recompute=False
        )
        references = references_import(
            rows=content.references, metric_codes=[m["code"] for m in content.metrics]
        )
        pairs = set(values.pairs)
        regrouped = set()  # a grouping's members changed: every group of these is recomputed
        if groupings.changed:
            regrouped = set(
                Value.objects.filter(metric__dataset=name)
                .values_list("metric_id", "period")
                .distinct()
            )
        pairs |= regrouped
        # Kept with the change; whoever imports decides when the recompute runs.
        comparisons_recompute_queue(pairs=regrouped, changes=values.changes, now=False)
    return DatasetReport(
        metrics=metrics, groupings=groupings, values=values, pairs=pairs, references=references
    )
