"""Reading the council register file.

Pure: takes the register CSV and returns clean records, or every problem found with its line
number. Nothing here touches the database, so a bad file changes nothing. The file is declared
for the kernel's whole-file check (`selfreg.filecheck`); what one row says of another (a
county or successor that must be in the register) is checked here.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from selfreg import filecheck
from selfreg.filecheck import Column, FileSpec, Limit, Lookup, Unique
from selfreg.fileproblems import FileProblems, Problem, read_table
from selfreg.models import CouncilType, Nation

GSS_PATTERN = re.compile(r"^[EWSN]\d{8}$")
LA_CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9-]{1,9}$")


def _matching(pattern: re.Pattern):
    def parse(text: str) -> str:
        if not pattern.match(text):
            raise ValueError(text)
        return text

    return parse


def _count(text: str) -> int:
    return int(float(text))


NOT_A_DATE = _("{column} '{text}' is not a date (YYYY-MM-DD).")
NOT_A_NUMBER = _("{column} '{text}' is not a number.")
NEGATIVE = Limit(_("{column} '{text}' cannot be negative."), low=0)
NOT_A_REGISTER_CODE = _("{column} '{text}' is not a register code (capitals, e.g. HPL).")
UNKNOWN = _("{column} '{text}' is unknown.")

REGISTER = FileSpec(
    columns=(
        Column(
            "local-authority-code",
            blank=NOT_A_REGISTER_CODE,
            parse=_matching(LA_CODE_PATTERN),
            invalid=NOT_A_REGISTER_CODE,
        ),
        Column("official-name"),
        Column("nice-name", blank=_("nice-name is empty.")),
        Column(
            "gss-code",
            parse=_matching(GSS_PATTERN),
            invalid=_("{column} '{text}' is not a 9-character GSS code."),
        ),
        Column("start-date", parse=filecheck.iso_date, invalid=NOT_A_DATE),
        Column("end-date", parse=filecheck.iso_date, invalid=NOT_A_DATE),
        Column("replaced-by"),
        Column("nation", blank=UNKNOWN, lookups=(Lookup("nations", UNKNOWN),)),
        Column("region"),
        Column("local-authority-type", blank=UNKNOWN, lookups=(Lookup("kinds", UNKNOWN),)),
        Column("county-la"),
        Column("pop-2020", parse=_count, invalid=NOT_A_NUMBER, limits=(NEGATIVE,)),
        Column("area", parse=float, invalid=NOT_A_NUMBER, limits=(NEGATIVE,)),
        Column("ecode"),
        Column("former-gss-codes", required=False),
        Column("lat", required=False),
        Column("long", required=False),
        Column("gov-uk-slug", required=False),
    ),
    no_rows=None,
    unique=(
        Unique(
            ("local-authority-code",),
            column="local-authority-code",
            message=_("local-authority-code '{text}' repeats line {first}."),
        ),
        Unique(
            ("gss-code",),
            column="gss-code",
            message=_("gss-code '{text}' repeats line {first}."),
        ),
    ),
    other_columns=True,
)
REQUIRED_COLUMNS = tuple(column.name for column in REGISTER.columns if column.required)


class RegisterError(ValueError):
    """The register file cannot be loaded; `problems` lists every reason by line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class RegisterRecord:
    line: int
    la_code: str
    gss_code: str | None
    name: str
    official_name: str
    kind: str
    nation: str
    region: str
    county_code: str | None
    successor_codes: list[str] = field(default_factory=list)
    population: int | None = None
    area_km2: float | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    ecode: str = ""
    former_gss_codes: str = ""
    latitude: float | None = None
    longitude: float | None = None
    gov_uk_slug: str = ""


def _lines(problems: list[Problem]) -> list[str]:
    return [f"Line {p.row}: {p.message}" if p.row else p.message for p in problems]


def parse_register(path: Path) -> list[RegisterRecord]:
    """Read and check the whole register; raise RegisterError listing every problem."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise RegisterError([f"Cannot open {path}: {error.strerror}."]) from error
    try:
        frame = read_table(content, "register.csv")
        checked = filecheck.check(
            frame, REGISTER, kinds=set(CouncilType.values), nations=set(Nation.values)
        )
    except FileProblems as error:
        missing = [p.column for p in error.problems if p.row == 1 and p.column]
        if missing and len(missing) == len(error.problems):
            raise RegisterError([f"Line 1: missing column(s): {', '.join(missing)}."]) from error
        raise RegisterError(_lines(error.problems)) from error
    records = [_record(row) for row in checked.records()]
    for record in records:
        if record.start_date and record.end_date and record.end_date < record.start_date:
            checked.add(record.line, "end-date", "end-date is before start-date.")
    for line, message in _check_references(records):
        checked.add(line, "", message)
    if checked.problems:
        raise RegisterError(_lines(checked.sorted_problems()))
    return records


def _record(row: dict) -> RegisterRecord:
    text = {key: value or "" for key, value in row.items()}
    return RegisterRecord(
        line=row["row"],
        la_code=text["local-authority-code"],
        gss_code=row["gss-code"] or None,
        name=text["nice-name"],
        official_name=text["official-name"] or text["nice-name"],
        kind=text["local-authority-type"],
        nation=text["nation"],
        region=text["region"],
        county_code=row["county-la"] or None,
        successor_codes=[c for c in text["replaced-by"].split(",") if c],
        population=row["pop-2020"],
        area_km2=row["area"],
        start_date=row["start-date"],
        end_date=row["end-date"],
        ecode=text["ecode"],
        former_gss_codes=text["former-gss-codes"],
        latitude=_optional_float(text["lat"]),
        longitude=_optional_float(text["long"]),
        gov_uk_slug=text["gov-uk-slug"],
    )


def _optional_float(value: str) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _check_references(records: list[RegisterRecord]) -> list[tuple[int, str]]:
    """A county or a successor named by a row must be a row of the register."""
    codes = {record.la_code for record in records}
    problems = []
    for record in records:
        if record.county_code and record.county_code not in codes:
            problems.append(
                (record.line, f"county-la '{record.county_code}' is not in the register.")
            )
        for code in record.successor_codes:
            if code not in codes:
                problems.append((record.line, f"replaced-by '{code}' is not in the register."))
    return problems
