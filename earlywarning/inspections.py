"""Published inspection outcomes, read into one tidy table. Pure: reads files, writes nothing.

Three regimes, one latest result per council in each:

* `ofsted_ilacs`: Ofsted's inspection of local authority children's services, column
  `overall_effectiveness_grade` (outstanding, good, requires improvement, inadequate).
* `cqc_asc`: CQC's assessment of local authority adult social care, column `overall_rating`
  (Outstanding, Good, Requires improvement, Inadequate). The file gives no dates.
* `send_area`: the Ofsted/CQC area SEND inspection (2023 framework), column `outcome_grade`
  (1, 2 or 3), kept as "N: words".

The `concern` rule: ILACS inadequate or requires improvement; CQC Inadequate or Requires
improvement; SEND outcome 3 (widespread or systemic failings). A judgement that is blank,
`data_unreadable`, `not_reported_post_reform` or `Not Rated` is unreadable and never a concern.
A GSS code that appears twice in one regime's file cannot say which council the row is for:
those rows are left out and listed in `notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

INSPECTIONS_DIR = Path("inspections")
ILACS_FILE = "england_ofsted_childrens_services_latest_judgement.csv"
CQC_FILE = "england_cqc_adult_social_care_la_assessments_to_2025_10.csv"
SEND_FILE = "england_ofsted_cqc_send_area_inspections_latest.csv"
FILES = (ILACS_FILE, CQC_FILE, SEND_FILE)

ILACS, CQC_ASC, SEND_AREA = "ofsted_ilacs", "cqc_asc", "send_area"
COLUMNS = ("gss_code", "regime", "published_on", "judgement", "readable", "concern", "source_file")

UNREADABLE = {"", "data_unreadable", "not_reported_post_reform", "not rated"}
CONCERNS = {
    ILACS: {"inadequate", "requires improvement"},
    CQC_ASC: {"inadequate", "requires improvement"},
    SEND_AREA: {"3"},
}
SEND_WORDS = {
    "1": "typically positive experiences and outcomes",
    "2": "inconsistent experiences and outcomes",
    "3": "widespread or systemic failings",
}


@dataclass
class InspectionContent:
    """`results` has the columns of `COLUMNS`; `notes` lists rows left out and why."""

    results: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def unreadable(self) -> pd.DataFrame:
        return self.results[~self.results["readable"]]


def is_readable(judgement: str) -> bool:
    return judgement.strip().lower() not in UNREADABLE


def is_concern(regime: str, judgement: str) -> bool:
    """The stated rule. For SEND the judgement may be "3" or "3: widespread ..."."""
    text = judgement.strip().lower()
    if not is_readable(text):
        return False
    if regime == SEND_AREA:
        text = text.split(":", 1)[0].strip()
    return text in CONCERNS[regime]


def send_judgement(grade: str) -> str:
    grade = grade.strip()
    return f"{grade}: {SEND_WORDS[grade]}" if grade in SEND_WORDS else grade


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _date(text: str):
    text = text.strip()
    return pd.Timestamp(text).date() if text else None


def _tidy(
    raw: pd.DataFrame, *, regime: str, source_file: str, judgement, published
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "gss_code": raw["gss_code"].str.strip().str.upper(),
            "regime": regime,
            "published_on": [published(r) for r in raw.to_dict("records")],
            "judgement": [judgement(r) for r in raw.to_dict("records")],
            "source_file": source_file,
        }
    )
    frame["readable"] = frame["judgement"].map(is_readable).astype(bool)
    frame["concern"] = frame["judgement"].map(lambda j: is_concern(regime, j)).astype(bool)
    return frame[list(COLUMNS)]


def load(data_dir: Path | str) -> InspectionContent:
    """Read the three files in `data_dir/inspections/` (`data_dir` is the project's `data/`)."""
    folder = Path(data_dir) / INSPECTIONS_DIR
    parts = [
        _tidy(
            _read(folder / ILACS_FILE),
            regime=ILACS,
            source_file=ILACS_FILE,
            judgement=lambda r: r["overall_effectiveness_grade"].strip(),
            published=lambda r: _date(r["publication_date"]),
        ),
        _tidy(
            _read(folder / CQC_FILE),
            regime=CQC_ASC,
            source_file=CQC_FILE,
            judgement=lambda r: r["overall_rating"].strip(),
            published=lambda r: None,
        ),
        _tidy(
            _read(folder / SEND_FILE),
            regime=SEND_AREA,
            source_file=SEND_FILE,
            judgement=lambda r: send_judgement(r["outcome_grade"]),
            published=lambda r: _date(r["publication_date"]),
        ),
    ]
    results = pd.concat(parts, ignore_index=True)
    notes = []
    twice = results.duplicated(["gss_code", "regime"], keep=False)
    for (gss, regime), _rows in results[twice].groupby(["gss_code", "regime"]):
        notes.append(
            f"{regime} {gss}: {len(_rows)} rows share this GSS code, so which council each is "
            "for is unclear; none loaded."
        )
    blank = results["gss_code"] == ""
    if blank.any():
        notes.append(f"{int(blank.sum())} rows have no GSS code; none loaded.")
    results = results[~twice & ~blank].reset_index(drop=True)
    return InspectionContent(results=results, notes=notes)
