"""Tests for period labels: parsing, ordering, stepping back and picking the latest."""

import random
from datetime import date

import pytest

from benchmarking.periods import (
    CALENDAR_YEAR,
    FINANCIAL_YEAR,
    MULTI_YEAR,
    QUARTER,
    Period,
    PeriodError,
    latest,
    parse_period,
    period_sort_key,
    previous_period,
    sort_periods,
)


@pytest.mark.parametrize(
    ("label", "kind", "start", "end"),
    [
        ("2019", CALENDAR_YEAR, date(2019, 1, 1), date(2019, 12, 31)),
        ("2019-20", FINANCIAL_YEAR, date(2019, 4, 1), date(2020, 3, 31)),
        ("1999-00", FINANCIAL_YEAR, date(1999, 4, 1), date(2000, 3, 31)),
        ("2019-20 Q1", QUARTER, date(2019, 4, 1), date(2019, 6, 30)),
        ("2019-20 Q2", QUARTER, date(2019, 7, 1), date(2019, 9, 30)),
        ("2019-20 Q3", QUARTER, date(2019, 10, 1), date(2019, 12, 31)),
        ("2019-20 Q4", QUARTER, date(2020, 1, 1), date(2020, 3, 31)),
        ("2023-24 Q4", QUARTER, date(2024, 1, 1), date(2024, 3, 31)),
        ("2019-21", MULTI_YEAR, date(2019, 4, 1), date(2021, 3, 31)),
        ("2019-22", MULTI_YEAR, date(2019, 4, 1), date(2022, 3, 31)),
        ("2010-14", MULTI_YEAR, date(2010, 4, 1), date(2014, 3, 31)),
        ("1998-01", MULTI_YEAR, date(1998, 4, 1), date(2001, 3, 31)),
    ],
)
def test_parse_valid_labels(label, kind, start, end):
    period = parse_period(label)
    assert period == Period(label, kind, start, end)
    assert str(period) == label


def test_parse_tidies_whitespace_and_quarter_letter():
    assert parse_period(" 2019-20 ").label == "2019-20"
    assert parse_period("2019-20 q2").label == "2019-20 Q2"
    assert parse_period("2019-20 q2") == parse_period("2019-20 Q2")


def test_full_width_characters_name_the_same_period():
    """NFKC: a period written in full-width digits or dashes is the plain one, not another."""
    assert parse_period("２０１９-２０").label == "2019-20"
    assert parse_period("２０１９－２０ Ｑ１").label == "2019-20 Q1"
    assert parse_period("\u00a02019\u2002").label == "2019"


@pytest.mark.parametrize("label", ["٢٠١٩", "२०१९-२०", "2019-٢٠", "２０١٩"])
def test_digits_of_other_scripts_are_refused(label):
    with pytest.raises(PeriodError):
        parse_period(label)


def test_period_is_frozen():
    period = parse_period("2019")
    with pytest.raises(AttributeError):
        period.label = "2020"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2019-19", "end year must be after the start year"),
        ("2020-19", "end year must be after the start year"),
        ("19-20", "not a recognised period label"),
        ("2019-20 Q5", "quarter must be Q1, Q2, Q3 or Q4"),
        ("2019-20 Q0", "quarter must be Q1, Q2, Q3 or Q4"),
        ("abc", "not a recognised period label"),
        ("", "empty"),
        ("   ", "empty"),
        ("2009-2011", "two digits, for example 2009-11"),
        ("2019/20", "not a recognised period label"),
        ("2019-20Q1", "not a recognised period label"),
        ("2019-21 Q1", "quarters belong to a single financial year"),
        ("2019-30", "at most 10 years"),
        ("1899", "between 1900 and 2100"),
        ("2101-02", "between 1900 and 2100"),
        ("FY2019", "not a recognised period label"),
    ],
)
def test_parse_rejects_bad_labels_in_plain_english(label, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(label)


def test_period_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_period("abc")


def test_parse_rejects_non_text():
    with pytest.raises(PeriodError, match="must be text"):
        parse_period(2019)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("label", "previous"),
    [
        ("2019", "2018"),
        ("2000", "1999"),
        ("2019-20", "2018-19"),
        ("2000-01", "1999-00"),
        ("1999-00", "1998-99"),
        ("2019-20 Q1", "2018-19 Q4"),
        ("2019-20 Q2", "2019-20 Q1"),
        ("2019-20 Q3", "2019-20 Q2"),
        ("2019-20 Q4", "2019-20 Q3"),
        ("2019-22", "2016-19"),
        ("2019-21", "2017-19"),
        ("2010-14", "2006-10"),
        ("2001-03", "1999-01"),
    ],
)
def test_previous_period(label, previous):
    assert previous_period(label) == previous
    before, after = parse_period(previous), parse_period(label)
    assert before.kind == after.kind
    # The previous period ends the day before this one starts and is just as long.
    assert (after.start - before.end).days == 1
    assert (before.end.year - before.start.year) == (after.end.year - after.start.year)


def test_previous_period_rejects_bad_label():
    with pytest.raises(PeriodError):
        previous_period("2019-19")


def test_sort_within_a_kind_is_chronological():
    labels = ["2021-22", "2019-20", "2020-21", "2018-19"]
    assert sorted(labels, key=period_sort_key) == ["2018-19", "2019-20", "2020-21", "2021-22"]
    quarters = ["2020-21 Q1", "2019-20 Q4", "2019-20 Q1", "2019-20 Q3", "2019-20 Q2"]
    assert sorted(quarters, key=period_sort_key) == [
        "2019-20 Q1",
        "2019-20 Q2",
        "2019-20 Q3",
        "2019-20 Q4",
        "2020-21 Q1",
    ]
    years = ["2010", "2009", "2100", "1999"]
    assert sorted(years, key=period_sort_key) == ["1999", "2009", "2010", "2100"]


def test_centuries_sort_correctly():
    assert sort_periods(["2000-01", "1999-00", "1998-99"]) == ["1998-99", "1999-00", "2000-01"]


def test_quarters_come_before_their_year_and_spans_after():
    labels = ["2019-22", "2019-20", "2019-20 Q4", "2017-20", "2019-20 Q1", "2018-19", "2019"]
    assert sort_periods(labels) == [
        "2018-19",  # ends March 2019
        "2019-20 Q1",  # ends June 2019
        "2019",  # ends December 2019 (with Q3, which is not in this list)
        "2019-20 Q4",  # ends March 2020 and is the shortest of those
        "2019-20",
        "2017-20",  # also ends March 2020, but longer
        "2019-22",
    ]


def test_calendar_year_after_the_quarter_ending_with_it():
    assert sort_periods(["2019", "2019-20 Q3"]) == ["2019-20 Q3", "2019"]


def test_period_objects_sort_like_their_keys():
    labels = ["2019-22", "2019-20", "2019-20 Q4", "2019", "2016-19", "2018-19 Q2"]
    periods = [parse_period(label) for label in labels]
    assert [p.label for p in sorted(periods)] == sort_periods(labels)
    assert parse_period("2019-20 Q4") < parse_period("2019-20")
    assert parse_period("2019-20") <= parse_period("2019-20")
    assert parse_period("2020-21") < parse_period("2019-22")
    assert parse_period("2021-22") < parse_period("2019-22")


def test_ordering_is_total_and_consistent():
    labels = [str(y) for y in range(2015, 2024)]
    labels += [f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2024)]
    labels += [f"{y}-{(y + 1) % 100:02d} Q{q}" for y in range(2015, 2024) for q in range(1, 5)]
    labels += [f"{y}-{(y + n) % 100:02d}" for y in range(2012, 2022) for n in (2, 3, 4)]
    keys = [period_sort_key(label) for label in labels]
    assert len(set(keys)) == len(labels)  # no two labels tie
    shuffled = labels[:]
    random.Random(1).shuffle(shuffled)
    assert sort_periods(shuffled) == sorted(labels, key=period_sort_key)
    ordered = sort_periods(labels)
    ends = [parse_period(label).end for label in ordered]
    assert ends == sorted(ends)


def test_sort_periods_drops_duplicates():
    assert sort_periods(["2019", "2019", "2018"]) == ["2018", "2019"]


def test_latest():
    labels = ["2019-20", "2021-22", "2018-19", "2020-21"]
    assert latest(labels) == ["2021-22"]
    assert latest(labels, 2) == ["2020-21", "2021-22"]
    assert latest(labels, 10) == ["2018-19", "2019-20", "2020-21", "2021-22"]
    assert latest(iter(labels), 3) == ["2019-20", "2020-21", "2021-22"]
    assert latest([]) == []


def test_latest_by_kind_and_with_duplicates():
    labels = ["2019-20", "2019-20 Q4", "2019-20 Q3", "2019-22", "2019-20", "2018-19"]
    assert latest(labels, 2) == ["2019-20", "2019-22"]
    assert latest(labels, 2, kind=FINANCIAL_YEAR) == ["2018-19", "2019-20"]
    assert latest(labels, 1, kind=QUARTER) == ["2019-20 Q4"]
    assert latest(labels, 1, kind=CALENDAR_YEAR) == []


def test_latest_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least 1"):
        latest(["2019"], 0)
    with pytest.raises(ValueError, match="Unknown period kind"):
        latest(["2019"], 1, kind="fortnight")
    with pytest.raises(PeriodError):
        latest(["2019", "nonsense"])


def test_real_lgbf_labels_all_parse():
    # Every period label in the LGBF slice, and all those in the full file's year column.
    lgbf_years = [
        "2007-11", "2008-12", "2009-11", "2009-13", "2010-11", "2010-12", "2010-14",
        "2011-12", "2011-13", "2011-15", "2012-13", "2012-14", "2012-15", "2012-16",
        "2013-14", "2019-22", "2022-23", "2023-24",
    ]  # fmt: skip
    kinds = {label: parse_period(label).kind for label in lgbf_years}
    assert kinds["2010-11"] == FINANCIAL_YEAR
    assert kinds["2019-22"] == MULTI_YEAR
    assert kinds["2009-11"] == MULTI_YEAR
    assert latest(lgbf_years, kind=FINANCIAL_YEAR) == ["2023-24"]


def test_series_kind_keeps_years_quarters_and_spans_of_each_length_apart():
    from benchmarking.periods import series_kind, split_by_series_kind

    assert series_kind("2019") == "calendar_year"
    assert series_kind("2019-20") == "financial_year"
    assert series_kind("2019-20 Q2") == "quarter"
    assert series_kind("2017-20") == "multi_year:3"
    assert series_kind("2018-20") == "multi_year:2"
    assert split_by_series_kind(["2019-20", "2017-20", "2018-19", "2014-17", "2018-20"]) == {
        "financial_year": ["2018-19", "2019-20"],
        "multi_year:3": ["2014-17", "2017-20"],
        "multi_year:2": ["2018-20"],
    }
