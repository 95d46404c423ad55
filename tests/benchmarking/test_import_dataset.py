"""`import_dataset` end to end on the real files and the real register.

Both datasets are imported once for the whole module, inside a transaction that is rolled
back when the module's tests are done, so other modules never see them. Each test then runs
in its own savepoint within it, as usual.
"""

import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from benchmarking.datasets import Grouping, GroupingError, england_rs, groupings_upsert, lgbf
from benchmarking.models import (
    ComparisonStatistic,
    DatasetImport,
    Metric,
    Source,
    Value,
)
from benchmarking.selectors import comparison_councils
from selfreg.models import AreaGrouping, GroupingKind, GroupingMembership, MembershipStatus
from tests.factories import FootprintFactory, council

DATA = Path(__file__).resolve().parents[2] / "data"
NORTHAMPTONSHIRE = "E10000021"


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_dataset", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """The output of importing each dataset once; rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = {"lgbf": run("lgbf"), "england-rs": run("england-rs")}
        # Check the deferred foreign keys now, once: otherwise every test's end-of-test check
        # would check all of them again inside its own savepoint.
        connection.check_constraints()
        yield output
        transaction.set_rollback(True)


def statistic(code: str, period: str, group: str = "all") -> ComparisonStatistic:
    return ComparisonStatistic.objects.get(
        metric__code=code, period=period, group=group, audience="public"
    )


def test_first_import_creates_everything(imported, db):
    assert "Metrics: 108 created, 0 updated, 0 unchanged." in imported["lgbf"]
    assert "Family groups: 8 created" in imported["lgbf"]
    assert "Values: 35466 created" in imported["lgbf"]
    assert "780 council-indicator-years with no figure" in imported["lgbf"]
    assert "Metrics: 7 created" in imported["england-rs"]
    assert "Values: 18124 created" in imported["england-rs"]
    assert "Reading UA 2017-18" in imported["england-rs"]
    assert Metric.objects.filter(dataset="lgbf").count() == 108
    assert Value.objects.filter(metric__dataset="lgbf", source=Source.DATASET).count() == 35466
    assert set(
        Value.objects.filter(metric__dataset="england-rs").values_list("source_ref", flat=True)
    ) == {"england-rs"}


@pytest.mark.parametrize("name", ["lgbf", "england-rs"])
def test_second_import_changes_nothing(imported, db, name):
    history = Value.history.count()
    computed = list(ComparisonStatistic.objects.values_list("pk", flat=True))
    output = run(name, "--force")
    assert " 0 created, 0 updated" in output
    assert "Values: 0 created, 0 updated" in output
    assert "Metrics: 0 created, 0 updated" in output
    if name == "lgbf":
        assert "Family groups: 0 created, 0 updated, 8 unchanged; 0 councils joined, 0 left." in (
            output
        )
    assert "nothing to recompute" in output
    assert Value.history.count() == history
    assert list(ComparisonStatistic.objects.values_list("pk", flat=True)) == computed


def test_family_groups_are_stored_with_their_members(imported, db):
    groups = AreaGrouping.objects.filter(slug__startswith="lgbf-family-")
    assert groups.count() == 8
    assert set(groups.values_list("kind", flat=True)) == {GroupingKind.FAMILY}
    glasgow = AreaGrouping.objects.get(slug="lgbf-family-people-4")
    assert glasgow.councils.filter(gss_code="S12000049").exists()
    assert glasgow.councils.count() == 8


def test_groupings_upsert_sets_members_exactly(db):
    first = groupings_upsert([Grouping("fam-x", "Family X", "", ["E06000001", "E06000002"])])
    assert (first.created, first.joined) == (["fam-x"], 2)
    grouping = AreaGrouping.objects.get(slug="fam-x")
    assert grouping.kind == GroupingKind.FAMILY
    GroupingMembership.objects.filter(grouping=grouping, council__gss_code="E06000002").update(
        status=MembershipStatus.INVITED
    )

    again = groupings_upsert([("fam-x", "Family X", "Now described", ["E06000002", "E06000003"])])
    assert (again.updated, again.joined, again.left) == (["fam-x"], 2, 1)
    members = grouping.memberships.values_list("council__gss_code", "status")
    assert sorted(members) == [("E06000002", "member"), ("E06000003", "member")]
    assert not groupings_upsert(
        [("fam-x", "Family X", "Now described", ["E06000002", "E06000003"])]
    ).changed


def test_groupings_upsert_refuses_clashes_and_unknown_councils(db):
    FootprintFactory(slug="tees-valley", owner=council("E06000001"))
    with pytest.raises(GroupingError, match="tees-valley"):
        groupings_upsert([("tees-valley", "Tees Valley", "", ["E06000001"])])
    assert AreaGrouping.objects.get(slug="tees-valley").kind == GroupingKind.FOOTPRINT
    with pytest.raises(GroupingError, match="E99999999"):
        groupings_upsert([("fam-y", "Family Y", "", ["E99999999"])])
    assert not AreaGrouping.objects.filter(slug="fam-y").exists()


def test_lgbf_statistics_match_numpy_on_the_raw_file(imported, db):
    raw = pd.read_csv(DATA / lgbf.INDICATORS)
    costs = raw[(raw["Code"] == "CHN01") & (raw["Year"] == "2019-20")]["LA_Value_Real"]
    assert len(costs) == 32
    stat = statistic("lgbf-CHN01", "2019-20")
    assert stat.n == 32
    assert stat.median == pytest.approx(np.median(costs))
    assert stat.lower_quartile == pytest.approx(np.quantile(costs, 0.25))
    assert stat.upper_quartile == pytest.approx(np.quantile(costs, 0.75))
    assert (stat.min, stat.max) == pytest.approx((costs.min(), costs.max()))
    # Hand-checked against the file: Scotland's median cost per primary pupil in 2019-20.
    assert stat.median == pytest.approx(6213.095)
    assert len(comparison_councils(stat)) == 32


def test_lgbf_statistics_for_a_family_group_and_a_survey_period(imported, db):
    assert statistic("lgbf-CHN01", "2019-20", "grouping:lgbf-family-people-1").n == 8
    raw = pd.read_csv(DATA / lgbf.INDICATORS)
    satisfied = raw[(raw["Code"] == "ENV07a") & (raw["Year"] == "2019-22")]["LA_Value_Real"]
    stat = statistic("lgbf-ENV07a", "2019-22")
    assert stat.n == len(satisfied) == 32
    assert stat.median == pytest.approx(np.median(satisfied) * 100)


def test_gender_pay_gap_is_ranked_by_distance_from_zero(imported, db):
    stat = statistic("lgbf-CORP03c", "2019-20")
    positions = [p for p in comparison_councils(stat) if p["rank"] is not None]
    gaps = [abs(p["value"]) for p in sorted(positions, key=lambda p: p["rank"])]
    assert len(gaps) == stat.n
    assert gaps == sorted(gaps)


def test_english_statistics_match_numpy(imported, db):
    raw = pd.read_csv(DATA / england_rs.OUTTURN)
    year = raw[(raw["financial_year"] == "2017-18") & raw["la_class"].isin(["SC", "UA", "MD", "L"])]
    year = year[year["rs805_net_revenue_expenditure"] > 0]
    shares = (
        year["rs915_other_earmarked_financial_reserves_level_end_of_year"]
        + year["rs916_unallocated_financial_reserves_level_end_of_year"]
    ) / year["rs805_net_revenue_expenditure"]
    stat = statistic("fin-reserves-to-nre", "2017-18", "type:UA")
    ua = shares[year["la_class"] == "UA"] * 100
    assert stat.n == len(ua) == 55  # Reading made no return in time for this release
    assert stat.median == pytest.approx(np.median(ua))
    assert stat.lower_quartile == pytest.approx(np.quantile(ua, 0.25))


def test_northamptonshire_had_the_thinnest_reserves_in_2017_18(imported, db):
    stat = statistic("fin-reserves-to-nre", "2017-18", "type:CTY")
    lowest = min(comparison_councils(stat), key=lambda p: p["value"])
    assert lowest["gss_code"] == NORTHAMPTONSHIRE
    assert lowest["value"] == pytest.approx(1.229, abs=1e-3)
    assert lowest["quartile_band"] == 4  # higher is better, so the lowest is in the weakest band
    change = ComparisonStatistic.objects.filter(
        metric__code="fin-reserves-change", period="2017-18"
    )
    assert any(
        p["gss_code"] == NORTHAMPTONSHIRE and p["value"] < -70
        for stat in change
        for p in comparison_councils(stat)
    )


def test_a_bad_file_is_rejected_whole(imported, db, tmp_path):
    (tmp_path / "benchmarks").mkdir()
    for path in (lgbf.DEFINITIONS, lgbf.FAMILIES):
        shutil.copy(DATA / path, tmp_path / path)
    raw = pd.read_csv(DATA / lgbf.INDICATORS, dtype=str, keep_default_na=False)
    raw = raw[raw["Code"] == "CHN01"].copy()
    raw.loc[raw.index[0], "LA_Value_Real"] = "about 5000"
    raw.to_csv(tmp_path / lgbf.INDICATORS, index=False)
    definitions = pd.read_csv(DATA / lgbf.DEFINITIONS, dtype=str, keep_default_na=False)
    definitions.loc[definitions["Code"] == "CHN01", "Title"] = "A changed title"
    definitions.to_csv(tmp_path / lgbf.DEFINITIONS, index=False)
    values = Value.objects.count()

    with pytest.raises(CommandError) as raised:
        run("lgbf", "--data-dir", str(tmp_path))
    message = str(raised.value)
    assert "rejected; nothing was written" in message
    assert "'about 5000' is not a number." in message
    assert Metric.objects.get(code="lgbf-CHN01").title == "Cost per Primary School Pupil"
    assert Value.objects.count() == values


def test_an_unchanged_dataset_is_recognised_and_not_read_again(imported, db, tmp_path):
    record = DatasetImport.objects.get(name="england-rs")
    assert record.values == Value.objects.filter(metric__dataset="england-rs").count()
    assert record.metrics == Metric.objects.filter(dataset="england-rs").count()
    history = Value.history.count()

    output = run("england-rs")
    assert "unchanged since it was imported on" in output
    assert f"({record.metrics} measures, {record.values} values); not imported again" in output
    assert "Values:" not in output
    assert Value.history.count() == history

    # The same dataset from files that differ by one byte is read and imported again.
    (tmp_path / "councils").mkdir()
    (tmp_path / "finance").mkdir()
    for path in (*england_rs.FILES, "councils/uk_local_authorities.csv"):
        shutil.copy(DATA / path, tmp_path / path)
    with open(tmp_path / england_rs.FILES[0], "a", encoding="utf-8") as handle:
        handle.write("\n")
    output = run("england-rs", "--data-dir", str(tmp_path))
    assert f"Values: 0 created, 0 updated, {record.values} unchanged." in output
    assert DatasetImport.objects.get(name="england-rs").fingerprint != record.fingerprint


def test_list_and_unknown_names(db):
    listing = run("--list")
    assert "lgbf: Scottish Local Government Benchmarking Framework" in listing
    assert "england-rs:" in listing
    with pytest.raises(CommandError, match="no dataset called 'nope'"):
        run("nope")
