"""Reads that span several models, returned as DataFrames for the pure modules."""

from __future__ import annotations

import pandas as pd
from django.utils.text import slugify

from benchmarking.models import Metric, SimilarCouncil, Value
from selfreg.access import visible_q
from selfreg.models import (
    Council,
    GroupingKind,
    GroupingMembership,
    MembershipStatus,
    Nation,
    Visibility,
)

VALUE_COLUMNS = ["council_id", "metric_id", "period", "value", "sample_size", "visibility"]


def values_frame(*, metric_ids=None, periods=None) -> pd.DataFrame:
    """Values (all visibilities) with their metric's polarity, target and scale."""
    query = Value.objects.all()
    if metric_ids is not None:
        query = query.filter(metric_id__in=list(metric_ids))
    if periods is not None:
        query = query.filter(period__in=list(periods))
    frame = pd.DataFrame.from_records(query.values_list(*VALUE_COLUMNS), columns=VALUE_COLUMNS)
    metrics = pd.DataFrame.from_records(
        [(m.pk, m.polarity, m.target_value, m.scale) for m in Metric.objects.all()],
        columns=["metric_id", "polarity", "target_value", "scale"],
    )
    frame = frame.merge(metrics, on="metric_id", how="left")
    for column in ("value", "sample_size", "target_value", "scale"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def region_group(council: Council) -> str:
    area = council.region if council.nation == Nation.ENGLAND else council.nation
    return f"region:{slugify(area)}" if area else ""


def group_members() -> pd.DataFrame:
    """Every stored comparison group and its councils: one row per (group, council_id).

    Groups: `all`; `type:<type code>`; `region:<region slug>` (nation outside England);
    `grouping:<slug>` for every area grouping; `similar:<gss>` for a council and its
    similar councils.
    """
    rows: list[tuple[str, int]] = []
    for council in Council.objects.with_gss().only("pk", "kind", "region", "nation"):
        rows.append(("all", council.pk))
        rows.append((f"type:{council.kind}", council.pk))
        region = region_group(council)
        if region:
            rows.append((region, council.pk))
    # Region groupings hold exactly the region groups' councils: store those once.
    memberships = GroupingMembership.objects.filter(status=MembershipStatus.MEMBER).exclude(
        grouping__kind=GroupingKind.REGION
    )
    rows += [
        (f"grouping:{slug}", council_id)
        for slug, council_id in memberships.values_list("grouping__slug", "council_id")
    ]
    gss = dict(Council.objects.with_gss().values_list("pk", "gss_code"))
    similar = SimilarCouncil.objects.values_list("council_id", "neighbour_id")
    for council_id in {c for c, _ in similar}:
        if council_id in gss:
            rows.append((f"similar:{gss[council_id]}", council_id))
    rows += [(f"similar:{gss[c]}", n) for c, n in similar if c in gss]
    return pd.DataFrame(rows, columns=["group", "council_id"]).drop_duplicates()


def audience_filter(audience: str) -> list[str]:
    """The visibilities whose values count in an audience's statistics."""
    if audience == "public":
        return [Visibility.PUBLIC]
    return [Visibility.PUBLIC, Visibility.SECTOR]


def visible_values(user, **filters):
    """Values the user may see, through the access module's rule."""
    return Value.objects.filter(visible_q(user)).filter(**filters)
