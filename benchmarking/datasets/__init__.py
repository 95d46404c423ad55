"""Published datasets the portal imports whole: `python manage.py import_dataset NAME`.

Each dataset is a module with a pure `load(data_dir, councils=None)` that reads the files in
`data/` and returns plain data: catalogue rows, a long table of values and any family groups.
Nothing here writes to the database except `groupings_upsert`; the command hands the rest to
the ordinary services (`metrics_import`, `values_import`, `comparisons_recompute`), so a
dataset passes exactly the checks an uploaded file does.

Method note for councils: docs/method/datasets.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from benchmarking.validation import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

REGISTER_FILE = Path("councils") / "uk_local_authorities.csv"
VALUE_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)  # exactly what validate_values reads
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
OGL_NAME = "Open Government Licence v3.0"


class Grouping(NamedTuple):
    """A family group that comes with a dataset; `gss_codes` are its member councils."""

    slug: str
    name: str
    description: str
    gss_codes: list[str]


@dataclass
class DatasetContent:
    """What a dataset's files say, ready for the import services.

    `metrics` are catalogue rows with the columns of `benchmarking.services.METRIC_COLUMNS`,
    every cell text. `values` has the columns of `VALUE_COLUMNS`, every cell text (blank where
    there is nothing), the shape `benchmarking.validation.validate_values` accepts. `skipped`
    lists, in plain words, what the files hold that was left out and why; `notes` lists other
    decisions the importer made that someone running it should see.
    """

    metrics: list[dict[str, str]]
    values: pd.DataFrame
    groupings: list[Grouping] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Dataset:
    """A published dataset. Benchmark datasets have a `loader` whose content goes through the
    values import; a dataset of another kind, registered by the app that owns its data, has
    an `importer(data_dir) -> list of report lines` that does its own whole-file import and
    raises ValueError, naming the problem, when nothing was written."""

    name: str
    title: str
    licence: str
    files: tuple[str, ...]
    loader: Callable[..., DatasetContent] | None = None
    importer: Callable[[Path], list[str]] | None = None
    published: str = ""  # when the source was published, in words

    def load(
        self, data_dir: Path | str, councils: Mapping[str, str] | None = None
    ) -> DatasetContent:
        """Read the dataset from `data_dir` (the project's `data/` folder).

        `councils` maps each GSS code in the council register to its finance E-code (blank if
        none). By default it is read from the register file in `data_dir`; the command passes
        the councils the portal holds.
        """
        data_dir = Path(data_dir)
        if councils is None:
            councils = register_codes(data_dir)
        return self.loader(data_dir, councils)


def register_codes(data_dir: Path | str) -> dict[str, str]:
    """GSS code to finance E-code for every council in the register file."""
    with (Path(data_dir) / REGISTER_FILE).open(encoding="utf-8-sig", newline="") as handle:
        return {
            row["gss-code"].strip().upper(): (row.get("ecode") or "").strip()
            for row in csv.DictReader(handle)
            if (row.get("gss-code") or "").strip()
        }


def number_text(values: pd.Series) -> pd.Series:
    """Floats as the shortest text that reads back as the same float; NaN as blank."""
    return values.map(lambda v: "" if pd.isna(v) else repr(float(v))).astype(str)


def values_frame(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack value tables into one with exactly `VALUE_COLUMNS`, all text."""
    frames = [p for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in VALUE_COLUMNS})
    frame = pd.concat(frames, ignore_index=True)
    for column in VALUE_COLUMNS:
        if column not in frame:
            frame[column] = ""
    return frame[list(VALUE_COLUMNS)].fillna("").astype(str).reset_index(drop=True)


# --- the one write this package does ----------------------------------------------------------


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
    from django.utils import timezone

    from selfreg.models import (
        AreaGrouping,
        Council,
        GroupingKind,
        GroupingMembership,
        MembershipStatus,
    )

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
            grouping = existing.get(item.slug)
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
            members = {ids[c] for c in item.gss_codes}
            current = set(
                GroupingMembership.objects.filter(grouping=grouping).values_list(
                    "council_id", flat=True
                )
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
    return report


@dataclass
class DatasetReport:
    metrics: object
    groupings: GroupingReport
    values: object
    pairs: set[tuple[int, str]]


def dataset_import(*, name: str, content: DatasetContent) -> DatasetReport:
    """Write a dataset whole, in one transaction: its metrics, family groups and values.

    Raises FileProblems or GroupingError with nothing written. Returns the metric-periods
    whose comparisons must be recomputed: those whose values changed and, when family
    group membership changed, every metric-period of the dataset.
    """
    from django.db import transaction

    from benchmarking.models import Source, Value
    from benchmarking.services import metrics_import, values_import

    with transaction.atomic():
        metrics = metrics_import(rows=content.metrics, dataset=name)
        groupings = groupings_upsert(content.groupings)
        values = values_import(
            frame=content.values, source=Source.DATASET, source_ref=name, recompute=False
        )
    pairs = set(values.pairs)
    if groupings.changed:
        pairs |= set(
            Value.objects.filter(metric__dataset=name).values_list("metric_id", "period").distinct()
        )
    return DatasetReport(metrics=metrics, groupings=groupings, values=values, pairs=pairs)


# --- the registry ------------------------------------------------------------------------------

from benchmarking.datasets import (  # noqa: E402 - they use the classes above
    england_borrowing,
    england_budget,
    england_capital,
    england_commercial,
    england_rs,
    england_spending_power,
    lgbf,
)

DATASETS: dict[str, Dataset] = {
    module.NAME: Dataset(
        name=module.NAME,
        title=module.TITLE,
        licence=module.LICENCE,
        files=module.FILES,
        loader=module.load,
        published=getattr(module, "PUBLISHED", ""),
    )
    for module in (
        lgbf,
        england_rs,
        england_spending_power,
        england_borrowing,
        england_capital,
        england_commercial,
        england_budget,
    )
}


def register(dataset: Dataset) -> None:
    """Add a dataset of another app's (from its AppConfig.ready): benchmarking never imports
    the tools, so they bring their datasets to this registry."""
    DATASETS[dataset.name] = dataset
