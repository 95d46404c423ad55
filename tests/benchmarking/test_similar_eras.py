"""Similar councils per register era: a comparison of 2012 uses the similar councils chosen
among 2012's councils, today's comparisons today's, on the real register and context files."""

import datetime
import io

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from benchmarking import selectors
from benchmarking.context import build_context, read_sources
from benchmarking.eras import Era, Lifetime, era_of, eras_for, period_day, periods_to_eras
from benchmarking.families import find_families
from benchmarking.models import ComparisonStatistic, SimilarCouncil
from benchmarking.selectors import comparison_councils, group_councils
from benchmarking.services import comparisons_recompute, metrics_import, values_import
from selfreg.fileproblems import read_table
from selfreg.models import Council

NORTHAMPTONSHIRE = "E10000021"  # county council, abolished in 2021
NORTH_NORTHAMPTONSHIRE = "E06000061"  # formed in 2021
HARTLEPOOL = "E06000001"
CODE = "other-era-test"
UPPER = ["UA", "MD", "LBO", "CTY", "CC"]
OLD, NEW = "2012-13", "2024-25"


def existing(period: str) -> set[str]:
    day = period_day(period)
    return {
        c.gss_code
        for c in Council.objects.with_gss().filter(nation="England", kind__in=UPPER)
        if c.existed_on(day)
    }


@pytest.fixture(scope="module")
def stored(django_db_setup, django_db_blocker):
    """A measure with a value for every English upper-tier council that existed in 2012-13
    and in 2024-25, similar councils worked out for both eras, compared; rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        metrics_import(
            rows=[
                {
                    "code": CODE,
                    "title": "Something",
                    "element": "outcome",
                    "polarity": "higher_better",
                }
            ]
        )
        rows = [
            f"{gss},{CODE},{period},{(i * 7) % 97}\n"
            for period in (OLD, NEW)
            for i, gss in enumerate(sorted(existing(period)))
        ]
        text = "gss_code,metric_code,period,value\n" + "".join(rows)
        values_import(frame=read_table(text.encode(), "v.csv"), source="upload", recompute=False)
        call_command("similar_councils", "--compute", stderr=io.StringIO())
        comparisons_recompute()
        yield
        transaction.set_rollback(True)


def members(group: str, period: str) -> set[str]:
    statistic = ComparisonStatistic.objects.get(
        group=group, metric__code=CODE, period=period, audience="public"
    )
    return {p["gss_code"] for p in comparison_councils(statistic)}


def test_a_period_belongs_to_the_era_holding_its_middle_day():
    """Poole ended on 31 March 2019 and its successor began on 1 April: 2018-19 is Poole's
    era, 2019-20 its successor's, whichever way the register writes the end date."""
    lifetimes = [
        Lifetime("POOLE", None, datetime.date(2019, 3, 31)),
        Lifetime("BCP", datetime.date(2019, 4, 1), None),
        Lifetime("CORBY", None, datetime.date(2021, 4, 1)),
        Lifetime("NNT", datetime.date(2021, 4, 1), None),
    ]
    eras = eras_for([period_day("2018-19"), period_day("2019-20"), period_day("2022")], lifetimes)
    assert list(eras.values()) == [["CORBY", "POOLE"], ["BCP", "CORBY"], ["BCP", "NNT"]]
    assert [e.label for e in eras] == [
        "/2019-03-31",
        "2019-04-01/2021-04-01",
        "2021-04-01/",
    ]
    assert era_of(datetime.date(2030, 1, 1), lifetimes) == Era(datetime.date(2021, 4, 1), None)
    labels = [e.label for e in eras]
    assert periods_to_eras(["2018-19", "2019-20 Q1", "2020", "nonsense"], labels) == {
        "2018-19": "/2019-03-31",
        "2019-20 Q1": "2019-04-01/2021-04-01",
        "2020": "2019-04-01/2021-04-01",
        "nonsense": "2021-04-01/",  # no era holds it: today's
    }


def test_a_period_whose_era_is_not_worked_out_yet_compares_with_todays_sets():
    """Figures of an era with no similar councils worked out yet (a seed computes today's
    sets before any figures exist) compare with today's sets until the next run works out
    theirs, not with none."""
    today, earlier = "2021-04-01/", "2019-04-01/2021-04-01"
    assert periods_to_eras(["2012-13", "2022-23"], [today]) == {
        "2012-13": today,
        "2022-23": today,
    }
    assert periods_to_eras(["2012-13", "2020-21"], [earlier]) == {"2020-21": earlier}


def test_a_2012_comparison_uses_the_similar_councils_of_2012(stored, db):
    then = existing(OLD)
    assert NORTHAMPTONSHIRE in then and NORTH_NORTHAMPTONSHIRE not in then
    # Every similar group of 2012-13 holds only councils that existed then.
    groups = ComparisonStatistic.objects.filter(
        metric__code=CODE, period=OLD, audience="public", group__startswith="similar"
    )
    assert groups.count() > 500
    for statistic in groups:
        shown = {p["gss_code"] for p in comparison_councils(statistic)}
        assert shown <= then, statistic.group
    # The abolished county is compared with its own similar councils of the time, and is
    # one of others' similar councils.
    own = members(f"similar-people:{NORTHAMPTONSHIRE}", OLD)
    assert len(own) == 16
    assert any(
        NORTHAMPTONSHIRE in members(s.group, OLD)
        for s in groups.exclude(group__endswith=NORTHAMPTONSHIRE)
    )
    day = period_day(OLD)
    chosen = SimilarCouncil.objects.in_era(day).filter(council__gss_code=HARTLEPOOL, kind="overall")
    expected = {HARTLEPOOL} | set(chosen.values_list("neighbour__gss_code", flat=True))
    assert members(f"similar:{HARTLEPOOL}", OLD) == expected
    group = type("G", (), {"label": f"similar:{HARTLEPOOL}", "is_custom": False})()
    assert {c.gss_code for c in group_councils(group, OLD)} == expected


def test_today_is_unchanged(stored, db):
    """Today's sets are those worked out from today's councils alone, and today's
    comparisons use them."""
    now = existing(NEW)
    assert NORTH_NORTHAMPTONSHIRE in now and NORTHAMPTONSHIRE not in now
    context = build_context(**read_sources("data"))
    current = set(Council.objects.current().with_gss().values_list("gss_code", flat=True))
    expected = find_families(context[context.index.isin(current)])
    stored_now = pd.DataFrame(
        SimilarCouncil.objects.current().values_list(
            "council__gss_code", "kind", "rank", "neighbour__gss_code"
        ),
        columns=["gss_code", "kind", "rank", "neighbour_gss_code"],
    )
    key = ["gss_code", "kind", "rank"]
    left = stored_now.sort_values(key, ignore_index=True)
    right = expected[[*key, "neighbour_gss_code"]].sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    today = set(
        SimilarCouncil.objects.current()
        .filter(council__gss_code=HARTLEPOOL, kind="overall")
        .values_list("neighbour__gss_code", flat=True)
    )
    assert members(f"similar:{HARTLEPOOL}", NEW) == {HARTLEPOOL} | today
    for statistic in ComparisonStatistic.objects.filter(
        metric__code=CODE, period=NEW, audience="public", group__startswith="similar"
    ):
        assert {p["gss_code"] for p in comparison_councils(statistic)} <= now


def test_api_gives_a_period_its_own_era(stored, db, client):
    url = reverse("api_council_similar", args=[NORTHAMPTONSHIRE])
    assert client.get(url).json()["results"] == []  # abolished: none among today's councils
    old = client.get(url, {"period": OLD, "kind": "finance"}).json()["results"]
    assert len(old) == 15
    assert {r["gss_code"] for r in old} <= existing(OLD)
    assert old[0]["valid_to"] and old[0]["kind"] == "finance"
    bad = client.get(url, {"period": "2012-2013"})
    assert bad.status_code == 400


def test_figures_of_an_era_without_its_own_sets_are_compared_in_todays(stored, db):
    """With only today's sets stored, a 2012-13 comparison of Hartlepool's similar councils
    holds today's similar councils that have a 2012-13 figure, and the group's page lists them."""
    SimilarCouncil.objects.exclude(valid_to__isnull=True).delete()
    comparisons_recompute()
    group = f"similar:{HARTLEPOOL}"
    today = set(
        SimilarCouncil.objects.filter(council__gss_code=HARTLEPOOL, kind="overall")
        .current()
        .values_list("neighbour__gss_code", flat=True)
    )
    assert members(group, OLD) == ({HARTLEPOOL} | today) & existing(OLD)
    named = type("G", (), {"label": group, "is_custom": False})()
    assert {c.gss_code for c in group_councils(named, OLD)} == {HARTLEPOOL} | today


def test_each_value_joins_the_groups_of_its_periods_era():
    """A 2012-13 value joins its council's similar group of 2012's era, a 2022-23 value
    today's, a value of an era not worked out today's; groups without eras join every value."""
    then, today = "2009-04-01/2015-04-01", "2021-04-01/"
    members = pd.DataFrame(
        [
            ("all", 1, None),
            ("similar:A", 1, then),
            ("similar:B", 1, today),
        ],
        columns=["group", "council_id", "era"],
    )
    values = pd.DataFrame(
        {"council_id": [1, 1, 1], "period": ["2012-13", "2022-23", "2017-18"], "value": [1, 2, 3]}
    )
    joined = selectors.members_join(values, members)
    got = sorted(zip(joined["period"], joined["group"], strict=True))
    assert got == [
        ("2012-13", "all"),
        ("2012-13", "similar:A"),
        ("2017-18", "all"),
        ("2017-18", "similar:B"),
        ("2022-23", "all"),
        ("2022-23", "similar:B"),
    ]
