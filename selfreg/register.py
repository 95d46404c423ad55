"""Reading the council register file.

Pure: takes the rows of the register CSV and returns clean records, or every problem found
with its line number. Nothing here touches the database, so a bad file changes nothing.
"""

import csv
import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from selfreg.models import CouncilType, Nation

REQUIRED_COLUMNS = (
    "local-authority-code",
    "official-name",
    "nice-name",
    "gss-code",
    "start-date",
    "end-date",
    "replaced-by",
    "nation",
    "region",
    "local-authority-type",
    "county-la",
    "pop-2020",
    "area",
    "ecode",
)

GSS_PATTERN = re.compile(r"^[EWSN]\d{8}$")
LA_CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9-]{1,9}$")


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


def _date(value: str, column: str, problems: list[str], line: int) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        problems.append(f"Line {line}: {column} '{value}' is not a date (YYYY-MM-DD).")
        return None


def _number(value: str, column: str, problems: list[str], line: int, cast=float):
    if not value:
        return None
    try:
        number = cast(float(value))
    except ValueError:
        problems.append(f"Line {line}: {column} '{value}' is not a number.")
        return None
    if number < 0:
        problems.append(f"Line {line}: {column} '{value}' cannot be negative.")
        return None
    return number


def parse_register(path: Path) -> list[RegisterRecord]:
    """Read and check the whole register; raise RegisterError listing every problem."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise RegisterError([f"Cannot open {path}: {error.strerror}."]) from error
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RegisterError([f"Line 1: missing column(s): {', '.join(missing)}."])
        try:
            rows = list(reader)
        except (csv.Error, UnicodeDecodeError) as error:
            raise RegisterError([f"The file is not readable CSV: {error}."]) from error
    return validate_rows(rows)


def validate_rows(rows: list[dict]) -> list[RegisterRecord]:
    problems: list[str] = []
    records: list[RegisterRecord] = []
    kinds = set(CouncilType.values)
    nations = set(Nation.values)
    for index, row in enumerate(rows):
        line = index + 2  # the header is line 1
        get = {k: (v or "").strip() for k, v in row.items() if k}
        la_code = get["local-authority-code"]
        if not LA_CODE_PATTERN.match(la_code):
            problems.append(
                f"Line {line}: local-authority-code '{la_code}' is not a register code "
                "(capitals, e.g. HPL)."
            )
        gss = get["gss-code"] or None
        if gss and not GSS_PATTERN.match(gss):
            problems.append(f"Line {line}: gss-code '{gss}' is not a 9-character GSS code.")
        if get["local-authority-type"] not in kinds:
            problems.append(
                f"Line {line}: local-authority-type '{get['local-authority-type']}' is unknown."
            )
        if get["nation"] not in nations:
            problems.append(f"Line {line}: nation '{get['nation']}' is unknown.")
        if not get["nice-name"]:
            problems.append(f"Line {line}: nice-name is empty.")
        start = _date(get["start-date"], "start-date", problems, line)
        end = _date(get["end-date"], "end-date", problems, line)
        if start and end and end < start:
            problems.append(f"Line {line}: end-date is before start-date.")
        records.append(
            RegisterRecord(
                line=line,
                la_code=la_code,
                gss_code=gss,
                name=get["nice-name"],
                official_name=get["official-name"] or get["nice-name"],
                kind=get["local-authority-type"],
                nation=get["nation"],
                region=get["region"],
                county_code=get["county-la"] or None,
                successor_codes=[c for c in get["replaced-by"].split(",") if c],
                population=_number(get["pop-2020"], "pop-2020", problems, line, int),
                area_km2=_number(get["area"], "area", problems, line),
                start_date=start,
                end_date=end,
                ecode=get["ecode"],
                former_gss_codes=get.get("former-gss-codes", ""),
                latitude=_optional_float(get.get("lat", "")),
                longitude=_optional_float(get.get("long", "")),
                gov_uk_slug=get.get("gov-uk-slug", ""),
            )
        )
    problems.extend(_check_references(records))
    if problems:
        raise RegisterError(problems)
    return records


def _optional_float(value: str) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _check_references(records: list[RegisterRecord]) -> list[str]:
    problems = []
    seen_codes: dict[str, int] = {}
    seen_gss: dict[str, int] = {}
    for record in records:
        if record.la_code in seen_codes:
            problems.append(
                f"Line {record.line}: local-authority-code '{record.la_code}' repeats line "
                f"{seen_codes[record.la_code]}."
            )
        seen_codes.setdefault(record.la_code, record.line)
        if record.gss_code:
            if record.gss_code in seen_gss:
                problems.append(
                    f"Line {record.line}: gss-code '{record.gss_code}' repeats line "
                    f"{seen_gss[record.gss_code]}."
                )
            seen_gss.setdefault(record.gss_code, record.line)
    for record in records:
        if record.county_code and record.county_code not in seen_codes:
            problems.append(
                f"Line {record.line}: county-la '{record.county_code}' is not in the register."
            )
        for code in record.successor_codes:
            if code not in seen_codes:
                problems.append(f"Line {record.line}: replaced-by '{code}' is not in the register.")
    return problems
