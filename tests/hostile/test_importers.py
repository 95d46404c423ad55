"""Hostile files against every importer: no server error, nothing partly written, a clear
message each time.

Hypothesis builds random and malformed CSV and XLSX: wrong encodings, byte-order marks,
huge numbers, NaN and infinity, spreadsheet formulas, control characters, ragged rows. Large
and compressed-bomb files are built by hand below.
"""

import datetime
import io
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from benchmarking.models import Metric, Value
from benchmarking.services import metrics_import, metrics_read_csv, values_import
from benchmarking.validation import CouncilFacts, validate_values
from earlywarning.validation import validate_signal_rows
from selfreg.fileproblems import FileProblems, read_table

COUNCILS = {"E06000001": CouncilFacts(1, None, None), "E06000005": CouncilFacts(2, None, None)}
METRICS = {"sat": 1, "cost": 2}
HEADER = ["gss_code", "metric_code", "period", "value", "sample_size", "note"]

# Cells an attacker or a careless export would send.
HOSTILE_CELLS = [
    "",
    " ",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e308",
    "9" * 400,
    "0x10",
    "1,000,000",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.com")',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "<script>alert(1)</script>",
    "'; DROP TABLE benchmarking_value; --",
    "\x00",
    "a\x00b",
    "\u202e\u0000",
    "\ufeffE06000001",
    "E06000001\r",
    "2019-20",
    "2019",
    "2019-Q5",
    "1900-01",
    "9999-00",
    "E06000001",
    "e06000001",
    "sat",
    "cost",
    "55",
    "-1",
    "0",
    "\u00e9\u00e8",
    '"',
    '"""',
    "x" * 5000,
]
cells = st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=30))
rows = st.lists(st.lists(cells, min_size=0, max_size=8), min_size=0, max_size=12)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]


def to_csv(header: list[str], body: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    for row in body:
        out.write(",".join('"' + c.replace('"', '""') + '"' for c in row) + "\n")
    return out.getvalue().encode(encoding, errors="replace")


def to_xlsx(header: list[str], body: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in body:
        # openpyxl refuses control characters itself; what it accepts is what Excel writes.
        sheet.append([c for c in row if not any(ord(ch) < 32 for ch in c)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def check_values(content: bytes, filename: str) -> None:
    """The pure path every door shares: clean rows, or FileProblems with messages."""
    try:
        frame = read_table(content, filename)
        clean = validate_values(frame, councils=COUNCILS, metrics=METRICS)
    except FileProblems as error:
        assert error.problems
        assert all(str(p).strip() for p in error.problems)
        return
    assert len(clean) == len(frame)
    assert clean[["value"]].notna().all().all()


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(content=st.binary(max_size=2000), name=st.sampled_from(["a.csv", "a.xlsx", "a.txt"]))
def test_random_bytes_give_a_message_not_an_error(content, name):
    check_values(content, name)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    header=st.one_of(st.just(HEADER), st.lists(st.sampled_from([*HEADER, "x", "", "GSS_CODE"]))),
    body=rows,
    encoding=st.sampled_from(ENCODINGS),
)
def test_malformed_csv_gives_a_message_not_an_error(header, body, encoding):
    check_values(to_csv(header, body, encoding), "upload.csv")


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(body=rows)
def test_malformed_xlsx_gives_a_message_not_an_error(body):
    check_values(to_xlsx(HEADER, body), "upload.xlsx")


def xlsx_bomb(rows: int) -> bytes:
    """A valid workbook whose one sheet inflates to a great deal of XML from a few kB."""
    row = '<row><c t="inlineStr"><is><t>E06000001</t></is></c></row>'
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData>' + row * rows + "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    template = io.BytesIO(to_xlsx(HEADER, []))
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            data = sheet.encode() if item.filename.endswith("sheet1.xml") else source.read(item)
            z.writestr(item.filename, data)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_before_it_is_inflated():
    bomb = xlsx_bomb(2_000_000)  # about 110 MB of XML
    assert len(bomb) < 2_000_000
    with pytest.raises(FileProblems) as raised:
        read_table(bomb, "bomb.xlsx")
    assert "too large" in str(raised.value)


# --- through the database: a rejected file writes nothing --------------------------------------


@pytest.fixture
def metrics(db):
    metrics_import(
        rows=[
            {"code": "sat", "title": "Satisfied", "element": "perception", "unit": "%"},
            {"code": "cost", "title": "Cost per head", "element": "cost", "unit": "£"},
        ]
    )
    return set(Metric.objects.values_list("code", flat=True))


good_rows = st.lists(
    st.tuples(
        st.sampled_from(["E06000001", "E06000005"]),
        st.sampled_from(["sat", "cost"]),
        st.sampled_from(["2019-20", "2020-21", "2021-22"]),
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
            st.sampled_from(HOSTILE_CELLS),
        ),
        st.sampled_from(HOSTILE_CELLS),
    ),
    min_size=1,
    max_size=10,
)


@pytest.mark.slow
@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=good_rows)
def test_import_writes_all_or_nothing(metrics, body):
    content = to_csv(HEADER[:4] + ["note"], [list(r) for r in body], "utf-8")
    before = list(Value.objects.order_by("pk").values_list("pk", "value", "note"))
    try:
        frame = read_table(content, "upload.csv")
        report = values_import(frame=frame, source="upload", recompute=False)
    except FileProblems as error:
        assert error.problems
        assert list(Value.objects.order_by("pk").values_list("pk", "value", "note")) == before
        return
    assert report.created + report.updated + report.unchanged == len(body)
    for gss, metric, period, _value, note in body:
        stored = Value.objects.get(council__gss_code=gss, metric__code=metric, period=period)
        assert stored.note in {note.strip(), note}


@pytest.mark.slow
def test_a_million_rows_with_one_bad_row_are_refused_whole():
    metrics = {f"m{i}": i for i in range(500_000)}
    lines = [f"{gss},{code},2019-20,55\n" for code in metrics for gss in COUNCILS]
    lines[-1] = "E06000005,m499999,2019-20,not a number\n"
    content = ("gss_code,metric_code,period,value\n" + "".join(lines)).encode()
    frame = read_table(content, "big.csv")
    assert len(frame) == 1_000_000
    with pytest.raises(FileProblems) as raised:
        validate_values(frame, councils=COUNCILS, metrics=metrics)
    assert [str(p) for p in raised.value.problems] == [
        "Row 1000001, value: 'not a number' is not a number. "
        "Write it with digits, such as 1234.5 or 1,234.5."
    ]


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    content=st.one_of(
        st.binary(max_size=1000),
        rows.map(lambda b: to_csv(["code", "title", "element", "unit", "polarity"], b, "utf-8")),
    )
)
@example(content=b"\r\x00")  # a carriage return then a NUL: once the csv module's error
def test_metric_catalogue_files_give_a_message(content):
    try:
        rows_ = metrics_read_csv(content)
    except FileProblems as error:
        assert error.problems
        return
    assert isinstance(rows_, list)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(body=rows, encoding=st.sampled_from(ENCODINGS))
def test_signal_files_give_a_message(body, encoding):
    header = ["gss_code", "signal_code", "observed_on", "severity", "evidence", "source_url"]
    try:
        frame = read_table(to_csv(header, body, encoding), "signals.csv")
        clean = validate_signal_rows(
            frame, councils={"E06000001"}, signal_codes={"x"}, today=datetime.date(2026, 1, 1)
        )
    except FileProblems as error:
        assert error.problems
        return
    assert len(clean) == len(frame)


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["import_signals", "import_corporate_events"])
def test_record_files_with_a_nul_character_are_refused_whole(command, users, tmp_path):
    from django.core.management import CommandError, call_command

    from earlywarning.models import CorporateEvent, RecordedSignal

    path = tmp_path / "records.csv"
    path.write_bytes(
        b"gss_code,signal_code,observed_on,severity,evidence\n"
        b"E06000001,x,2026-01-01,2,fine\nE06000001,x,2026-01-02,2,bad\x00cell\n"
    )
    with pytest.raises(CommandError, match="Row 3, evidence: This cell contains a NUL"):
        call_command(command, str(path), "--user", users["sector_staff"].email)
    assert RecordedSignal.objects.count() == CorporateEvent.objects.count() == 0
