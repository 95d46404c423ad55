"""The kernel's declarative whole-file check: each declared rule, with row and column."""

import datetime

import pandas as pd
import pytest

from selfreg import filecheck
from selfreg.filecheck import PARSE, Column, FileSpec, Limit, Lookup, Unique
from selfreg.fileproblems import FileProblems

SPEC = FileSpec(
    columns=(
        Column(
            "code",
            blank="Enter a code.",
            tidy=filecheck.upper,
            lookups=(
                Lookup("known", "No such code '{text}' (written '{cell}')."),
                Lookup("yours", "Not yours: {text}."),
            ),
        ),
        Column(
            "on",
            parse=filecheck.iso_date,
            invalid="'{text}' is not a date.",
            limits=(Limit("{column} is after {today}.", high="today"),),
        ),
        Column(
            "kind",
            blank="Pick one of {choices}.",
            lookups=(Lookup("kinds", "Pick one of {choices}."),),
        ),
        Column(
            "size",
            required=False,
            parse=int,
            invalid="Whole numbers only.",
            limits=(Limit("At least 1.", low=1),),
        ),
    ),
    no_rows="No rows.",
    unique=(
        Unique(
            ("code", "on"),
            column="on",
            message="Repeats row {first}.",
            known="stored",
            stored="Already stored.",
        ),
    ),
)
TODAY = datetime.date(2026, 1, 1)


def check(rows, columns=("code", "on", "kind", "size"), **given):
    facts = {
        "known": {"A1", "B2"},
        "yours": None,
        "kinds": {"x", "y"},
        "today": TODAY,
        "stored": set(),
    }
    return filecheck.check(pd.DataFrame(rows, columns=list(columns)), SPEC, **{**facts, **given})


def test_clean_rows_are_parsed_and_optional_blanks_are_none():
    checked = check([[" a1 ", "2025-01-02", "x", "3"], ["B2", "2025-01-02", "y", ""]])
    assert checked.problems == []
    assert checked.records() == [
        {"row": 2, "code": "A1", "on": datetime.date(2025, 1, 2), "kind": "x", "size": 3},
        {"row": 3, "code": "B2", "on": datetime.date(2025, 1, 2), "kind": "y", "size": None},
    ]


def test_every_problem_has_its_row_and_column_in_the_order_of_the_checks():
    checked = check(
        [
            ["", "2025-13-01", "z", "0"],
            ["zz", "2027-01-01", "", "1.5"],
            ["A1", "2025-01-02", "x", "1"],
            ["a1", "2025-01-02", "x", "1"],
        ]
    )
    assert [str(p) for p in checked.sorted_problems()] == [
        "Row 2, code: Enter a code.",
        "Row 2, on: '2025-13-01' is not a date.",
        "Row 2, kind: Pick one of x, y.",
        "Row 2, size: At least 1.",
        "Row 3, code: No such code 'ZZ' (written 'zz').",
        "Row 3, on: on is after 2026-01-01.",
        "Row 3, kind: Pick one of x, y.",
        "Row 3, size: Whole numbers only.",
        "Row 5, on: Repeats row 4.",
    ]
    with pytest.raises(FileProblems):
        checked.raise_problems()


def test_a_second_look_up_applies_only_to_cells_that_passed_the_first():
    checked = check([["A1", "", "x", ""], ["C3", "", "x", ""]], yours={"B2"})
    assert [str(p) for p in checked.sorted_problems()] == [
        "Row 2, code: Not yours: A1.",
        "Row 3, code: No such code 'C3' (written 'C3').",
    ]


def test_a_key_already_stored_is_said_so():
    checked = check([["A1", "2025-01-02", "x", ""]], stored={("A1", datetime.date(2025, 1, 2))})
    assert [str(p) for p in checked.problems] == ["Row 2, on: Already stored."]


def test_a_missing_required_column_stops_at_once_and_an_unknown_one_is_listed():
    with pytest.raises(FileProblems) as raised:
        check([["A1", "x"]], columns=("code", "kind"))
    assert [str(p) for p in raised.value.problems] == ["Row 1, on: This column is missing."]
    checked = check([["A1", "", "x", "", "?"]], columns=("CODE", "on", "kind", "size", "colour"))
    assert [str(p) for p in checked.problems] == ["Row 1, colour: This column is not recognised."]


def test_two_columns_of_one_name_once_tidied_are_refused_at_once():
    with pytest.raises(FileProblems) as raised:
        check([["A1", "2025-01-01", "x", "y"]], columns=("code", "on", "kind", " KIND"))
    assert [str(p) for p in raised.value.problems] == [
        "Row 1, kind: This column appears more than once."
    ]


def test_a_file_with_no_rows_is_refused_unless_the_spec_allows_it():
    with pytest.raises(FileProblems, match="No rows."):
        check([])
    allowed = FileSpec(columns=(Column("code"),), no_rows=None)
    assert filecheck.check(pd.DataFrame(columns=["code"]), allowed).problems == []


def test_a_parser_can_judge_empty_cells_and_give_its_own_words():
    def year(text):
        if not text.isdigit():
            raise ValueError(f"'{text}' is no year." if text else "Give a year.")
        return int(text)

    spec = FileSpec(columns=(Column("year", blank=PARSE, parse=year),), no_rows=None)
    checked = filecheck.check(pd.DataFrame({"year": ["2020", "", "MMXX"]}), spec)
    assert [str(p) for p in checked.problems] == [
        "Row 3, year: Give a year.",
        "Row 4, year: 'MMXX' is no year.",
    ]


def test_a_cell_longer_than_its_limit_is_a_problem():
    spec = FileSpec(columns=(Column("name", max_length="longest"),), no_rows=None)
    checked = filecheck.check(pd.DataFrame({"name": ["abc", "abcd", ""]}), spec, longest=3)
    assert [str(p) for p in checked.problems] == [
        "Row 3, name: This is longer than the 3 characters allowed."
    ]
