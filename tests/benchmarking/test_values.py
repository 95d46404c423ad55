"""Getting values in: one validation path, whole-file rejection, idempotent re-import, history."""

import datetime
import io
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from benchmarking import readcache, services, validation
from benchmarking.models import ComparisonStatistic, Metric, PendingRecompute, Value
from benchmarking.selectors import comparison_councils
from benchmarking.services import (
    UnusualValues,
    comparisons_recompute,
    metrics_import,
    usual_ranges,
    values_import,
)
from benchmarking.validation import UsualRange, plain_numbers, unit_limits
from selfreg.fileproblems import FileProblems, read_table
from selfreg.models import Council, Visibility

HEADER = "gss_code,metric_code,period,value,sample_size\n"


@pytest.fixture
def metrics(db):
    metrics_import(
        rows=[
            {
                "code": "sat",
                "title": "Satisfied",
                "element": "perception",
                "unit": "%",
                "polarity": "higher_better",
            },
            {
                "code": "cost",
                "title": "Cost per head",
                "element": "cost",
                "unit": "£",
                "polarity": "lower_better",
            },
            {
                "code": "gap",
                "title": "Pay gap",
                "element": "outcome",
                "unit": "%",
                "polarity": "target",
                "target_value": "0",
                # A pay gap is a percentage that may fall below 0.
                "unit_limits": "false",
            },
        ]
    )
    return {m.code: m for m in Metric.objects.all()}


def table(text: str) -> pd.DataFrame:
    return read_table(text.encode(), "upload.csv")


def problems_of(text: str, **kwargs) -> list[str]:
    with pytest.raises(FileProblems) as raised:
        values_import(frame=table(text), source="upload", **kwargs)
    return [str(p) for p in raised.value.problems]


GOOD = HEADER + (
    "E06000001,sat,2019-20,55,400\n"
    "E06000002,sat,2019-20,60,380\n"
    "E06000003,sat,2019-20,65,500\n"
    "E06000004,sat,2019-20,70,\n"
    "E06000005,sat,2019-20,75,\n"
    "E06000001,sat,2018-19,50,300\n"
)


@pytest.mark.parametrize(
    "row, expected",
    [
        ("E99999999,sat,2019-20,5,", "Row 2, gss_code: No council has the code 'E99999999'."),
        (",sat,2019-20,5,", "Row 2, gss_code: Enter the council's GSS code."),
        ("E06000001,nope,2019-20,5,", "Row 2, metric_code: No metric has the code 'nope'."),
        ("E06000001,sat,2019-21 Q5,5,", "Row 2, period:"),
        ("E06000001,sat,20-21,5,", "Row 2, period:"),
        ("E06000001,sat,2019-20,five,", "Row 2, value: 'five' is not a number."),
        ("E06000001,sat,2019-20,,", "Row 2, value: Enter a value."),
        ("E06000001,sat,2019-20,5,-3", "Row 2, sample_size: A sample size cannot be negative."),
        ("E07000026,sat,2024-25,5,", "Row 2, period: 'E07000026' did not exist in 2024-25."),
    ],
)
def test_each_kind_of_problem_is_reported_by_row_and_column(metrics, row, expected):
    # The good rows after the bad one must not be written either.
    messages = problems_of(HEADER + row + "\n" + GOOD.removeprefix(HEADER))
    assert any(m.startswith(expected) for m in messages), messages
    assert Value.objects.count() == 0


def test_duplicates_in_the_file_name_the_first_row(metrics):
    messages = problems_of(
        HEADER + "E06000001,sat,2019-20,5,\nE06000002,sat,2019-20,6,\nE06000001,sat,2019-20,7,\n"
    )
    assert messages == ["Row 4, period: This council, metric and period repeat row 2."]


def test_every_problem_is_listed_not_just_the_first(metrics):
    messages = problems_of(HEADER + "E99999999,nope,2019-99,x,\nE06000001,sat,2019-20,1,\n")
    assert len(messages) == 4
    assert {m.split(":")[0] for m in messages} == {
        "Row 2, gss_code",
        "Row 2, metric_code",
        "Row 2, period",
        "Row 2, value",
    }


def test_missing_and_unknown_columns(metrics):
    assert problems_of("gss_code,metric_code,value\nE06000001,sat,1\n") == [
        "Row 1, period: This column is missing."
    ]
    messages = problems_of(HEADER.strip() + ",colour\nE06000001,sat,2019-20,1,,red\n")
    assert messages == ["Row 1, colour: This column is not recognised."]


def test_unreadable_files_are_rejected_clearly():
    with pytest.raises(FileProblems, match="Upload a CSV or XLSX file"):
        read_table(b"x", "values.pdf")
    with pytest.raises(FileProblems, match="not UTF-8"):
        read_table("gss_code\n\xe9".encode("latin-1"), "values.csv")


@pytest.mark.parametrize(
    "body, rows",
    [
        # The first rows too long: pandas would have read the GSS code as an index.
        (HEADER + "E06000001,sat,2019-20,55,400,extra\nE06000002,sat,2019-20,60,380,x\n", [2, 3]),
        # A later row too long.
        (HEADER + "E06000001,sat,2019-20,55,400\nE06000002,sat,2019-20,60,380,x\n", [3]),
        # Quoted cells holding a comma or a line break are one cell each.
        (HEADER + 'E06000001,sat,2019-20,55,"4,00"\n"E06\n2",sat,2019-20,60,380,x\n', [3]),
    ],
)
def test_a_row_with_an_extra_cell_is_refused_by_its_row(metrics, body, rows):
    with pytest.raises(FileProblems) as raised:
        read_table(body.encode(), "values.csv")
    problems = raised.value.problems
    assert [p.row for p in problems] == rows
    assert "has 6 cells but the header names 5 columns" in problems[0].message
    assert Value.objects.count() == 0


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("1,2,3", "'1,2,3' is not a number"),
        ("12,34", "'12,34' is not a number"),
        ("1_000", "'1_000' is not a number"),
        ("0x10", "'0x10' is not a number"),
        ("inf", "'inf' is not a number"),
        ("nan", "'nan' is not a number"),
        ("\u0665\u0660", "is not a number"),  # Arabic-Indic digits: not plain digits
    ],
)
def test_only_plain_numbers_are_numbers(metrics, cell, expected):
    messages = problems_of(HEADER + f'E06000001,cost,2019-20,"{cell}",\n')
    assert any(expected in m for m in messages), messages
    assert Value.objects.count() == 0


def test_each_distinct_cell_is_read_as_it_would_be_alone():
    """The checks work on each distinct cell once: repeated, blank, full-width and missing
    cells come out as each would on its own."""
    cells = [" 12 ", "１２", "", " 12 ", None, "1,234.5", "x", "", "１２", "nan"]
    column = pd.Series(cells, dtype="str")
    parsed, plain = plain_numbers(column)
    alone = [plain_numbers(pd.Series([c], dtype="str")) for c in cells]
    np.testing.assert_array_equal(parsed, [p[0][0] for p in alone])
    assert plain.tolist() == [bool(p[1][0]) for p in alone]
    tidied = validation._tidy(column)
    assert tidied.tolist() == [validation._tidy(pd.Series([c], dtype="str")).iat[0] for c in cells]
    assert tidied.tolist()[:4] == ["12", "12", "", "12"]
    assert pd.isna(tidied.iat[4])


def test_thousands_separators_and_full_width_digits_are_read_as_written(metrics):
    body = (
        HEADER
        + 'E06000001,cost,2019-20,"1,234.5",\n'
        + "E06000002,cost,2019-20,１２.５,\n"
        + "E06000003,cost,２０１９-２０,1e3,\n"
        + "E06000004,ｃｏｓｔ,2019-20,.5,\n"
    )
    values_import(frame=table(body), source="upload")
    saved = dict(Value.objects.values_list("council__gss_code", "value"))
    assert saved == {"E06000001": 1234.5, "E06000002": 12.5, "E06000003": 1000.0,
                     "E06000004": 0.5}  # fmt: skip
    assert set(Value.objects.values_list("period", flat=True)) == {"2019-20"}


def test_a_full_width_period_is_the_same_period_not_a_second_one(metrics):
    values_import(frame=table(HEADER + "E06000001,cost,2019-20,5,\n"), source="upload")
    report = values_import(
        frame=table(HEADER + "E06000001,cost,２０１９-２０,6,\n"), source="upload"
    )
    assert (report.created, report.updated) == (0, 1)
    messages = problems_of(HEADER + "E06000001,cost,2019-20,5,\nE06000001,cost,２０１９-２０,6,\n")
    assert messages == ["Row 3, period: This council, metric and period repeat row 2."]


def test_periods_more_than_a_year_ahead_are_refused(metrics):
    messages = problems_of(HEADER + "E06000001,cost,2099-00,5,\nE06000002,cost,2100,5,\n")
    assert messages == [
        "Row 2, period: '2099-00' starts more than a year from now. Values can be given for "
        "periods that have started, or start within a year.",
        "Row 3, period: '2100' starts more than a year from now. Values can be given for "
        "periods that have started, or start within a year.",
    ]
    next_year = str(datetime.date.today().year + 1)
    assert values_import(frame=table(HEADER + f"E06000001,cost,{next_year},5,\n"),
                         source="upload").created == 1  # fmt: skip


@pytest.mark.parametrize(
    "code, cell, expected",
    [
        ("sat", "100.5", "'100.5' is over 100, but this measure is a percentage."),
        ("sat", "12345.678", "'12345.678' is over 100, but this measure is a percentage."),
        ("sat", "-0.1", "'-0.1' is below 0, but this measure is a percentage and cannot be."),
        (
            "visits",
            "-3",
            "'-3' is below 0, but this measure is a count (per 1,000 people) and cannot be.",
        ),
        ("days", "-1", "'-1' is below 0, but this measure is a count (days) and cannot be."),
    ],
)
def test_values_are_checked_against_their_unit(metrics, code, cell, expected):
    metrics_import(
        rows=[
            {"code": "visits", "title": "Visits", "element": "outcome", "unit": "per 1,000 people"},
            {"code": "days", "title": "Days to process", "element": "outcome", "unit": "days"},
        ]
    )
    messages = problems_of(HEADER + f"E06000001,{code},2019-20,{cell},\n")
    assert messages == [f"Row 2, value: {expected}"]
    assert Value.objects.count() == 0


def test_a_unit_without_limits_or_with_them_turned_off_takes_any_value(metrics):
    body = HEADER + "E06000001,gap,2019-20,-7.5,\nE06000001,cost,2019-20,-20,\n"
    body += "E06000002,gap,2019-20,150,\nE06000001,sat,2019-20,100,\nE06000002,sat,2019-20,0,\n"
    assert values_import(frame=table(body), source="upload").created == 5


@pytest.mark.parametrize(
    "unit, low, high",
    [
        ("%", 0, 100),
        (" Percent ", 0, 100),
        ("proportion", 0, 1),
        ("per 10,000 people", 0, None),
        ("days per 1,000 people aged 75+", 0, None),
        ("weeks", 0, None),
        ("£", None, None),
        ("£ thousand", None, None),
        ("percentage points", None, None),
        ("tonnes CO2 per person", None, None),
        ("tariff points", None, None),
        ("", None, None),
    ],
)
def test_unit_limits(unit, low, high):
    limits = unit_limits(unit)
    found = (limits.low, limits.high) if limits else (None, None)
    assert found == (low, high)


def put_spread(metric_code: str, period: str, values: list[float]) -> None:
    gss = Council.objects.with_gss().order_by("gss_code").values_list("gss_code", flat=True)
    rows = [f"{g},{metric_code},{period},{v},\n" for g, v in zip(gss[10:], values, strict=False)]
    values_import(frame=table(HEADER + "".join(rows)), source="upload", recompute=False)
    comparisons_recompute()


def test_a_value_far_outside_the_usual_range_is_confirmed_before_it_is_saved(metrics, users):
    # Quartiles 20 and 40 over eight councils: far out is below -40 or above 100.
    put_spread("cost", "2018-19", [10, 20, 20, 30, 30, 40, 40, 50])
    body = HEADER + "E06000001,cost,2019-20,101,\nE06000001,cost,2020-21,99,\n"
    with pytest.raises(UnusualValues) as raised:
        values_import(frame=table(body), source="upload", user=users["officer"])
    assert [str(p) for p in raised.value.problems] == [
        "Row 2, value: 101 is far outside this measure's usual range: most councils' figures "
        "are between 20 and 40. Check it is right."
    ]
    assert not Value.objects.filter(council__gss_code="E06000001").exists()
    report = values_import(
        frame=table(body), source="upload", user=users["officer"], unusual_confirmed=True
    )
    assert report.created == 2


def test_the_usual_range_is_read_from_public_figures_only(metrics, users):
    put_spread("cost", "2018-19", [10, 20, 20, 30, 30, 40, 40, 50])
    # A council's own figure far out, kept to itself, does not widen the range.
    values_import(
        frame=table(HEADER + "E06000002,cost,2018-19,100000,\n"),
        source="upload",
        visibility=Visibility.COUNCIL,
    )
    comparisons_recompute()
    ranges = usual_ranges([metrics["cost"].pk])
    assert ranges[metrics["cost"].pk] == UsualRange(20.0, 40.0)


def test_with_too_few_figures_there_is_no_usual_range(metrics, users):
    put_spread("cost", "2018-19", [10, 20, 30, 40])
    assert usual_ranges([metrics["cost"].pk]) == {}
    body = HEADER + "E06000001,cost,2019-20,1000000,\n"
    assert values_import(frame=table(body), source="upload", user=users["officer"]).created == 1


def test_datasets_and_commands_are_not_asked_to_confirm(metrics):
    put_spread("cost", "2018-19", [10, 20, 20, 30, 30, 40, 40, 50])
    body = HEADER + "E06000001,cost,2019-20,1000000,\n"
    assert values_import(frame=table(body), source="dataset").created == 1


def test_xlsx_files_take_the_same_path(metrics):
    buffer = io.BytesIO()
    pd.read_csv(io.StringIO(GOOD), dtype=str).to_excel(buffer, index=False)
    report = values_import(frame=read_table(buffer.getvalue(), "v.xlsx"), source="upload")
    assert report.created == 6


def test_reimport_is_idempotent_and_a_correction_is_an_update_with_history(metrics):
    first = values_import(frame=table(GOOD), source="upload")
    assert (first.created, first.updated, first.unchanged) == (6, 0, 0)
    again = values_import(frame=table(GOOD), source="upload")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert Value.history.count() == 6

    corrected = GOOD.replace("E06000001,sat,2019-20,55,400", "E06000001,sat,2019-20,56,400")
    report = values_import(frame=table(corrected), source="upload")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 5)
    value = Value.objects.get(council__gss_code="E06000001", metric__code="sat", period="2019-20")
    assert value.value == 56
    assert [h.value for h in value.history.order_by("history_date")] == [55, 56]


def test_officers_write_only_for_their_own_council(metrics, users):
    messages = problems_of(GOOD, user=users["officer"])
    assert "Row 3, gss_code: You cannot submit data for 'E06000002'." in messages
    assert Value.objects.count() == 0
    own = HEADER + "E06000001,sat,2019-20,55,400\n"
    assert values_import(frame=table(own), source="upload", user=users["officer"]).created == 1
    for role in ("councillor", "peer", "provider"):
        assert problems_of(own, user=users[role])
    assert (
        values_import(frame=table(GOOD), source="upload", user=users["sector_staff"]).created == 5
    )


def test_import_values_command_rejects_whole_file(metrics, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "E06000001,sat,2017-18,oops,\n")
    with pytest.raises(CommandError) as raised:
        call_command("import_values", str(bad))
    assert "nothing was written" in str(raised.value)
    assert "Row 8, value: 'oops' is not a number." in str(raised.value)
    assert Value.objects.count() == 0
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    out = io.StringIO()
    call_command("import_values", str(good), "--visibility", "sector", stdout=out)
    assert "6 created" in out.getvalue()
    assert set(Value.objects.values_list("visibility", flat=True)) == {Visibility.SECTOR}


def position(code, period, group, gss, audience="public"):
    """A council's stored position, derived from its group's sorted values."""
    statistic = ComparisonStatistic.objects.get(
        metric__code=code, period=period, group=group, audience=audience
    )
    [found] = [p for p in comparison_councils(statistic) if p["gss_code"] == gss]
    return SimpleNamespace(**found)


def test_recompute_matches_hand_computed_statistics(metrics):
    values_import(frame=table(GOOD), source="upload", recompute=False)
    comparisons_recompute()
    stat = ComparisonStatistic.objects.get(
        metric__code="sat", period="2019-20", group="all", audience="public"
    )
    # 55, 60, 65, 70, 75: QUARTILE.INC gives 60 and 70, the median 65.
    assert (stat.n, stat.median, stat.lower_quartile, stat.upper_quartile) == (5, 65, 60, 70)
    assert (stat.mean, stat.min, stat.max) == (65, 55, 75)
    hartlepool = position("sat", "2019-20", "all", "E06000001")
    assert hartlepool.quartile_band == 4 and hartlepool.rank == 5
    assert hartlepool.change == 5  # 55 against 50 the year before
    # Wilson 95% interval for 55% of 400.
    p, n, z = 0.55, 400, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert hartlepool.ci_low == pytest.approx(100 * (centre - half))
    assert hartlepool.ci_high == pytest.approx(100 * (centre + half))
    assert hartlepool.significant is True  # 65 lies above the interval (50.1 to 59.8)
    assert position("sat", "2019-20", "all", "E06000005").quartile_band == 1
    region = ComparisonStatistic.objects.get(
        metric__code="sat", period="2019-20", group="region:north-east", audience="public"
    )
    assert region.n == 5


def test_sector_values_count_only_in_sector_statistics(metrics):
    values_import(frame=table(GOOD), source="upload", recompute=False)
    values_import(
        frame=table(HEADER + "E06000006,sat,2019-20,100,\n"),
        source="upload",
        visibility=Visibility.SECTOR,
        recompute=False,
    )
    comparisons_recompute()
    stats = {
        s.audience: s.n
        for s in ComparisonStatistic.objects.filter(
            metric__code="sat", period="2019-20", group="all"
        )
    }
    assert stats == {"public": 5, "sector": 6}
    # Where nothing is shared with the sector only, no separate sector figures are stored.
    assert not ComparisonStatistic.objects.filter(period="2018-19", audience="sector").exists()


def test_incremental_recompute_updates_the_period_and_the_next_change(metrics):
    values_import(frame=table(GOOD), source="upload", recompute=False)
    comparisons_recompute()
    report = values_import(
        frame=table(HEADER + "E06000001,sat,2018-19,40,300\n"), source="upload", recompute=False
    )
    assert report.pairs == {(metrics["sat"].pk, "2018-19")}
    comparisons_recompute(pairs=sorted(report.pairs))
    assert position("sat", "2018-19", "all", "E06000001").value == 40
    assert position("sat", "2019-20", "all", "E06000001").change == 15


def test_committing_values_enqueues_recompute_on_commit(
    metrics, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        values_import(frame=table(GOOD), source="upload")
    # Besides telling public readers' shared copies (readcache), one job: the recompute.
    assert len([c for c in callbacks if c is not readcache.forget]) == 1
    # Celery runs eagerly in tests, so the job has already stored the comparisons.
    assert ComparisonStatistic.objects.filter(metric__code="sat", group="all").count() == 2
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        values_import(frame=table(GOOD), source="upload")
    assert callbacks == []  # nothing changed, nothing to recompute


def test_target_polarity_bands_by_distance(metrics):
    rows = HEADER + "".join(
        f"{gss},gap,2019-20,{value},\n"
        for gss, value in [("E06000001", -1), ("E06000002", 4), ("E06000003", 2), ("E06000004", -8)]
    )
    values_import(frame=table(rows), source="upload", recompute=False)
    comparisons_recompute()
    assert position("gap", "2019-20", "all", "E06000001").rank == 1
    assert position("gap", "2019-20", "all", "E06000004").rank == 4


def test_numbers_are_checked_like_text(metrics):
    """Rows from JSON or datasets arrive as numbers; they take the same path as file cells."""
    frame = pd.DataFrame(
        {"gss_code": ["E06000001"], "metric_code": ["sat"], "period": ["2019-20"], "value": [1.5]}
    )
    assert values_import(frame=frame, source="api").created == 1
    frame["value"] = [np.nan]
    with pytest.raises(FileProblems, match="Enter a value"):
        values_import(frame=frame, source="api")


def test_metric_rows_accept_numbers_and_a_zero_target(db):
    report = metrics_import(
        rows=[
            {
                "code": "gap",
                "title": "Gap",
                "element": "outcome",
                "polarity": "target",
                "target_value": 0,
                "decimals": 2,
            }
        ]
    )
    assert report.created == ["gap"]
    metric = Metric.objects.get(code="gap")
    assert (metric.target_value, metric.decimals) == (0, 2)


def test_full_rebuild_keeps_each_groups_values_in_order_and_analyses_the_table(metrics):
    """The full recompute stores one row per group, with the group's values in ascending order
    and the councils they belong to, and gives the planner statistics of the table at once."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")

    values_import(frame=table(GOOD), source="upload", recompute=False)
    comparisons_recompute()
    for statistic in ComparisonStatistic.objects.filter(group="all"):
        stored = dict(
            zip(statistic.councils_in_order().tolist(), statistic.values_in_order(), strict=True)
        )
        assert list(statistic.values_in_order()) == sorted(stored.values())
        assert len(stored) == statistic.n
        assert stored == dict(
            Value.objects.filter(metric=statistic.metric, period=statistic.period).values_list(
                "council_id", "value"
            )
        )
    # Analysed at once, so the planner knows how the rows spread over groups.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_stats WHERE attname = 'group' AND tablename = %s",
            [ComparisonStatistic._meta.db_table],
        )
        assert cursor.fetchall() == [(ComparisonStatistic._meta.db_table,)]


HISTORY_FIELDS = (
    "council_id",
    "metric_id",
    "period",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "sample_size",
    "note",
    "visibility",
    "source",
    "source_ref",
    "submitted_by_id",
    "history_type",
    "history_change_reason",
    "history_user_id",
)
FIRST = (
    "gss_code,metric_code,period,value,numerator,denominator,sample_size,note\n"
    "E06000001,sat,2019-20,55.125,11,20,400,\n"
    'E06000001,cost,2019-20,1234.5,,,,"Restated, see ""notes""\nline two"\n'
    "E06000001,sat,2020-21,0.1,,,,\\N\n"
)
SECOND = (
    "gss_code,metric_code,period,value,numerator,denominator,sample_size,note\n"
    "E06000001,sat,2019-20,56,11,20,400,\n"
    'E06000001,cost,2019-20,1234.5,,,,"Restated, see ""notes""\nline two"\n'
    "E06000001,sat,2020-21,0.1,,,,corrected\n"
    "E06000001,cost,2020-21,0.0000001,,,,\n"
)


def history_of_two_imports(user) -> list[tuple]:
    """Two imports (three values created; then two changed, one unchanged, one created) and
    the history they left; each value's latest history row is the value as stored."""
    values_import(frame=table(FIRST), source="dataset", source_ref="first")
    values_import(
        frame=table(SECOND), source="upload", source_ref="second", user=user, unusual_confirmed=True
    )
    for value in Value.objects.all():
        latest = value.history.latest("history_date")
        assert (latest.id, latest.updated_at, latest.value, latest.note) == (
            value.pk,
            value.updated_at,
            value.value,
            value.note,
        )
    return sorted(tuple(row[f] for f in HISTORY_FIELDS) for row in Value.history.values())


def test_set_based_import_writes_the_history_simple_history_writes(metrics, users, monkeypatch):
    """The COPY and set-based SQL path on PostgreSQL records the same history, field for
    field, as simple-history's bulk_create_with_history and bulk_update_with_history."""
    fast = history_of_two_imports(users["officer"])
    Value.objects.all().delete()
    Value.history.all().delete()
    monkeypatch.setattr(services, "_values_write_sql", services._values_write_orm)
    orm = history_of_two_imports(users["officer"])
    assert len(fast) == 6  # three created, then two changed and one created
    assert [row[-3] for row in fast].count("~") == 2
    assert {row[9] for row in fast} >= {'Restated, see "notes"\nline two', "\\N", ""}
    assert fast == orm


# --- one recompute for many imports ------------------------------------------------------------


def pending_pairs() -> set[tuple[int, str]]:
    return set(PendingRecompute.objects.values_list("metric_id", "period"))


def test_imports_arriving_together_share_one_recompute_of_what_changed(
    metrics, django_capture_on_commit_callbacks
):
    """Two uploads commit before the queued recompute starts: their changed metric-periods
    wait together, the first recompute takes the union, and the second finds nothing."""
    sat, cost = metrics["sat"].pk, metrics["cost"].pk
    with django_capture_on_commit_callbacks(execute=False) as queued:
        values_import(frame=table(GOOD), source="upload")
        values_import(frame=table(HEADER + "E06000001,cost,2019-20,12,\n"), source="upload")
    assert len(queued) == 2
    assert pending_pairs() == {(sat, "2018-19"), (sat, "2019-20"), (cost, "2019-20")}
    assert not ComparisonStatistic.objects.exists()

    done = services.comparisons_recompute_pending()
    assert set(done) == {(sat, "2018-19"), (sat, "2019-20"), (cost, "2019-20")}
    assert pending_pairs() == set()
    stored = set(ComparisonStatistic.objects.values_list("metric_id", "period").distinct())
    assert stored == set(done)
    assert services.comparisons_recompute_pending() == []


def test_queued_recompute_runs_once_the_change_commits(metrics, django_capture_on_commit_callbacks):
    """With eager Celery (a first `make run`) the queued recompute runs at commit and clears
    what it took."""
    with django_capture_on_commit_callbacks(execute=True):
        values_import(frame=table(GOOD), source="upload")
    assert pending_pairs() == set()
    assert ComparisonStatistic.objects.filter(metric__code="sat", group="all").count() == 2


def test_a_pair_changed_again_during_its_recompute_stays_pending(metrics, monkeypatch):
    """A value that changes while its metric-period is being recomputed clears the claim,
    so the next recompute does that metric-period again instead of it being forgotten."""
    values_import(frame=table(GOOD), source="upload")
    sat = metrics["sat"].pk
    original = services.comparisons_recompute

    def recompute_while_a_change_arrives(*, pairs, changed=None):
        values_import(frame=table(HEADER + "E06000001,sat,2019-20,99,400\n"), source="upload")
        return original(pairs=pairs, changed=changed)

    monkeypatch.setattr(services, "comparisons_recompute", recompute_while_a_change_arrives)
    assert set(services.comparisons_recompute_pending()) == {(sat, "2018-19"), (sat, "2019-20")}
    assert pending_pairs() == {(sat, "2019-20")}
    assert PendingRecompute.objects.get().claim is None


def test_a_failed_recompute_leaves_its_pairs_pending(metrics, monkeypatch):
    values_import(frame=table(GOOD), source="upload")
    before = pending_pairs()

    def fail(*, pairs, changed=None):
        raise RuntimeError("the worker lost its database")

    monkeypatch.setattr(services, "comparisons_recompute", fail)
    with pytest.raises(RuntimeError):
        services.comparisons_recompute_pending()
    assert pending_pairs() == before
    assert not PendingRecompute.objects.exclude(claim=None).exists()
