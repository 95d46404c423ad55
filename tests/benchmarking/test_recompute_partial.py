"""After one council's values change, the recompute works out only the groups that hold the
council, and what it stores is exactly what a full recompute stores."""

import math

import numpy as np
import pandas as pd
import pytest
from django.db.models import Q

from benchmarking import recompute, selectors, services
from benchmarking.models import ComparisonStatistic, PendingRecompute, SimilarCouncil
from benchmarking.services import metrics_import, values_delete, values_import
from selfreg.models import Council, Visibility

pytestmark = pytest.mark.django_db

PERIODS = ["2018-19", "2019-20"]
LATEST = PERIODS[-1]
METRICS = ["m0", "m1", "m2"]


def stored() -> list[tuple]:
    """Every stored statistic, its figures and its sorted values, without when it was made."""

    def plain(cell):
        if isinstance(cell, memoryview):
            return bytes(cell)
        return None if isinstance(cell, float) and math.isnan(cell) else cell

    columns = ["metric__code", "period", "group", "audience", "n", "median", "lower_quartile"]
    columns += ["upper_quartile", "mean", "min", "max", "sorted_values", "council_ids"]
    rows = ComparisonStatistic.objects.values_list(*columns)
    return sorted(tuple(plain(cell) for cell in row) for row in rows)


@pytest.fixture
def councils():
    """Twenty-four English councils of several types and regions; the first has similar
    councils among the others, and is the council whose values change."""
    since_2017 = Q(start_date__isnull=True) | Q(start_date__lte="2017-04-01")
    england = Council.objects.with_gss().filter(since_2017, nation="England", end_date=None)
    chosen = list(england.order_by("gss_code")[::12][:24])
    assert len({c.kind for c in chosen}) > 1 and len({c.region for c in chosen}) > 1
    SimilarCouncil.objects.bulk_create(
        SimilarCouncil(council=owner, neighbour=chosen[i], kind="overall", rank=i, distance=i)
        for owner in chosen[:3]
        for i in range(4, 10)
    )
    return chosen


@pytest.fixture
def data(councils):
    """Random figures for every council, measure and period. m1's latest period has one
    value shared with the sector alone, the first council's; m0's has none."""
    metrics_import(rows=[{"code": code, "title": code, "element": "outcome"} for code in METRICS])
    rng = np.random.default_rng(7)
    rows = [
        {"gss_code": c.gss_code, "metric_code": m, "period": p, "value": str(rng.integers(0, 30))}
        for c in councils[1:]
        for m in METRICS
        for p in PERIODS
        if rng.random() > 0.1
    ]
    rows += [
        {"gss_code": councils[0].gss_code, "metric_code": m, "period": p, "value": "12"}
        for m in ("m0", "m2")
        for p in PERIODS
    ]
    values_import(frame=pd.DataFrame(rows), source="dataset", recompute=False)
    shared = [
        {"gss_code": councils[0].gss_code, "metric_code": "m1", "period": LATEST, "value": "3"}
    ]
    values_import(
        frame=pd.DataFrame(shared),
        source="dataset",
        visibility=Visibility.SECTOR,
        recompute=False,
    )
    recompute.comparisons_recompute()
    return councils


def one_row(council, metric, value, period=LATEST):
    return pd.DataFrame(
        [{"gss_code": council.gss_code, "metric_code": metric, "period": period, "value": value}]
    )


def change_values(council):
    frame = pd.concat([one_row(council, m, "29") for m in ("m0", "m2")])
    values_import(frame=frame, source="upload")


def add_a_first_value(council):
    """The council's first m1 value of 2018-19, where other councils have theirs."""
    values_import(frame=one_row(council, "m1", "1", period=PERIODS[0]), source="upload")


def share_with_the_sector_alone(council):
    """m0's latest period has its first value shared with the sector alone."""
    values_import(frame=one_row(council, "m0", "12"), source="upload", visibility="sector")


def publish_the_only_sector_value(council):
    """m1's latest period loses its only value shared with the sector alone."""
    values_import(frame=one_row(council, "m1", "3"), source="upload", visibility="public")


def keep_to_the_council(council):
    values_import(frame=one_row(council, "m2", "12"), source="upload", visibility="council")


def delete(council):
    values_delete(council=council, period=LATEST, metric_codes=["m0", "m1", "m2"])


@pytest.mark.parametrize(
    ("change", "toggles_sector"),
    [
        (change_values, False),
        (add_a_first_value, False),
        (keep_to_the_council, False),
        (delete, True),  # m1's only sector value goes; m0 and m2 stay partial
        (share_with_the_sector_alone, True),
        (publish_the_only_sector_value, True),
    ],
)
def test_recomputing_one_councils_groups_stores_what_a_full_recompute_does(
    data, change, toggles_sector, django_capture_on_commit_callbacks
):
    council = data[0]
    members = selectors.group_members()
    own = set(members.loc[members["council_id"] == council.pk, "group"])
    before = dict(ComparisonStatistic.objects.values_list("pk", "computed_at"))
    with django_capture_on_commit_callbacks(execute=False):
        change(council)
    pending = list(PendingRecompute.objects.values_list("metric_id", "period", "council_id"))
    assert pending and {c for _m, _p, c in pending} == {council.pk}
    services.comparisons_recompute_pending()
    partial = stored()

    if not toggles_sector:
        # Of what changed, only the council's own groups were worked out again.
        changed = ComparisonStatistic.objects.filter(
            metric_id__in={m for m, _p, _c in pending}, period__in={p for _m, p, _c in pending}
        )
        kept = changed.filter(pk__in=list(before))
        assert kept.exists() and not kept.filter(group__in=own).exists()
        assert all(s.computed_at == before[s.pk] for s in kept)
        assert changed.filter(group__in=own).exclude(pk__in=list(before)).exists()
    ComparisonStatistic.objects.all().delete()
    recompute.comparisons_recompute()
    assert partial == stored()


def test_a_whole_metric_period_is_recomputed_in_every_group(data):
    """A change marked for every group (similar councils or groupings changed) recomputes
    each group, whatever else is pending for the same metric-period."""
    council = data[0]
    latest = ComparisonStatistic.objects.filter(period=LATEST)
    metric = latest.first().metric_id
    stamps = set(latest.filter(metric_id=metric).values_list("computed_at", flat=True))
    services.comparisons_recompute_queue(
        pairs=[(metric, LATEST)], changes=[(metric, LATEST, council.pk)], now=False
    )
    assert services.comparisons_recompute_pending() == [(metric, LATEST)]
    after = set(latest.filter(metric_id=metric).values_list("computed_at", flat=True))
    assert len(after) == 1 and not after & stamps


def test_a_change_of_many_councils_at_once_waits_for_every_group(data):
    """A dataset changes a metric-period for most councils: it waits as one row for every
    group, not a row per council."""
    metric = ComparisonStatistic.objects.first().metric_id
    many = [(metric, LATEST, c.pk) for c in data[: services.COUNCILS_PER_CHANGE + 1]]
    few = [(metric, PERIODS[0], c.pk) for c in data[:2]]
    services.comparisons_recompute_queue(changes=many + few, now=False)
    waiting = PendingRecompute.objects.values_list("period", "council_id")
    assert sorted(waiting, key=str) == sorted(
        [(LATEST, None), (PERIODS[0], data[0].pk), (PERIODS[0], data[1].pk)], key=str
    )
