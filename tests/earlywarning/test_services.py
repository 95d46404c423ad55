import datetime
import io

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from earlywarning.models import RecordedSignal
from earlywarning.services import signal_record, signals_import
from selfreg.fileproblems import FileProblems
from selfreg.refusals import Refused
from tests.conftest import ROLE_NAMES

MAY_RECORD = {"sector_staff", "peer", "political_lead"}
TODAY = datetime.date.today()


def record(user, council, catalogue, **overrides):
    arguments = {
        "user": user,
        "council": council,
        "signal_type": catalogue["member-officer-relations"],
        "observed_on": datetime.date(2025, 3, 1),
        "severity": 2,
        "evidence": "The chief executive left after six months.",
        "source_url": "https://example.com/minutes",
        **overrides,
    }
    return signal_record(**arguments)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_only_sector_staff_and_peers_may_record(role, users, hartlepool, catalogue):
    """Sector staff, peers and political leads record signals; everyone else gets
    PermissionDenied."""
    user = users[role]
    if role in MAY_RECORD:
        signal = record(user, hartlepool, catalogue)
        assert signal.recorded_by == user
        assert signal.history.get().history_user == user
    else:
        with pytest.raises(PermissionDenied):
            record(user, hartlepool, catalogue)
        assert not RecordedSignal.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"observed_on": TODAY + datetime.timedelta(days=1)},
        {"severity": 4},
        {"severity": 0},
        {"evidence": "  "},
        {"source_url": "ftp://example.com/file"},
        {"source_url": "javascript:alert(1)"},
    ],
)
def test_a_bad_signal_is_not_recorded(overrides, users, hartlepool, catalogue):
    """A future date, a severity outside 1-3, no evidence or a non-web address is refused."""
    with pytest.raises(Refused):
        record(users["sector_staff"], hartlepool, catalogue, **overrides)
    assert not RecordedSignal.objects.exists()


def test_every_edit_is_in_the_history(users, hartlepool, catalogue):
    """Changing a signal keeps the earlier version."""
    signal = record(users["sector_staff"], hartlepool, catalogue)
    signal.severity = 3
    signal.save()
    assert [h.severity for h in signal.history.order_by("history_date")] == [2, 3]


GOOD_ROWS = [
    ["E06000001", "member-officer-relations", "2025-03-01", "2", "Left suddenly.", ""],
    [
        "E06000005",
        "governance-concern",
        "2024-11-30",
        "3",
        "Statutory recommendation.",
        "http://a.example/r",
    ],
]
COLUMNS = ["gss_code", "signal_code", "observed_on", "severity", "evidence", "source_url"]


def frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS, dtype=str)


def test_a_good_file_is_imported(users, catalogue):
    """Every row of a good file is recorded, by the importer."""
    created = signals_import(rows_frame=frame(GOOD_ROWS), user=users["peer"])
    assert len(created) == 2
    assert RecordedSignal.objects.filter(recorded_by=users["peer"]).count() == 2
    governance = RecordedSignal.objects.get(signal_type__code="governance-concern")
    assert governance.council.gss_code == "E06000005"
    assert governance.severity == 3


def test_a_bad_file_is_rejected_whole_with_every_problem(users, catalogue):
    """One good row and every kind of bad one: nothing is written, each problem is listed."""
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    rows = [
        GOOD_ROWS[0],
        ["W99999999", "member-officer-relations", "2025-03-01", "1", "x", ""],
        ["E06000001", "no-such-signal", "2025-03-01", "1", "x", ""],
        ["E06000001", "governance-concern", "31/03/2025", "1", "x", ""],
        ["E06000001", "governance-concern", future, "1", "x", ""],
        ["E06000001", "governance-concern", "2025-01-01", "5", "x", ""],
        ["E06000001", "governance-concern", "2025-01-02", "1", " ", ""],
        ["E06000001", "governance-concern", "2025-01-03", "1", "x", "ftp://example.com"],
        GOOD_ROWS[0],
    ]
    with pytest.raises(FileProblems) as caught:
        signals_import(rows_frame=frame(rows), user=users["sector_staff"])
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {
        (3, "gss_code"),
        (4, "signal_code"),
        (5, "observed_on"),
        (6, "observed_on"),
        (7, "severity"),
        (8, "evidence"),
        (9, "source_url"),
        (10, "signal_code"),
    }
    assert "already in row 2" in str(caught.value)
    assert not RecordedSignal.objects.exists()


def test_a_source_address_too_long_to_store_is_a_problem_in_the_file(users, catalogue):
    """The file is held to the model's own limit on the address, so nothing is written."""
    long_url = "https://a.example/" + "x" * 500
    rows = [GOOD_ROWS[0], [*GOOD_ROWS[1][:5], long_url]]
    with pytest.raises(FileProblems) as caught:
        signals_import(rows_frame=frame(rows), user=users["sector_staff"])
    assert [str(p) for p in caught.value.problems] == [
        "Row 3, source_url: This is longer than the 500 characters allowed."
    ]
    assert not RecordedSignal.objects.exists()


def test_a_file_without_a_column_is_rejected(users, catalogue):
    """A missing required column is reported against the header row."""
    rows = frame(GOOD_ROWS).drop(columns=["severity"])
    with pytest.raises(FileProblems) as caught:
        signals_import(rows_frame=rows, user=users["sector_staff"])
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "severity")]


def test_import_needs_a_recorder(users, catalogue):
    """An officer cannot import signals, even a good file."""
    with pytest.raises(PermissionDenied):
        signals_import(rows_frame=frame(GOOD_ROWS), user=users["officer"])
    assert not RecordedSignal.objects.exists()


def test_import_command(tmp_path, users, catalogue):
    """The command imports a good CSV and refuses a bad one, listing its problems."""
    good = tmp_path / "good.csv"
    frame(GOOD_ROWS).to_csv(good, index=False)
    out = io.StringIO()
    call_command("import_signals", str(good), user="sector_staff@example.com", stdout=out)
    assert "Signals recorded: 2" in out.getvalue()

    bad = tmp_path / "bad.csv"
    frame([["E06000001", "nope", "2025-01-01", "9", "", ""]]).to_csv(bad, index=False)
    with pytest.raises(CommandError) as caught:
        call_command("import_signals", str(bad), user="sector_staff@example.com")
    assert "Row 2, signal_code" in str(caught.value)
    assert "Row 2, severity" in str(caught.value)
    assert RecordedSignal.objects.count() == 2
