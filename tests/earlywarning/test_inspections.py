"""Published inspection outcomes: the pure reading of the real files, the `concern` rule and
the idempotent import into the test database (which holds the real council register)."""

import csv
import datetime
import io

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from earlywarning import inspections
from earlywarning.models import InspectionResult
from earlywarning.services import inspections_load
from tests.conftest import HARTLEPOOL


@pytest.fixture(scope="module")
def content():
    from pathlib import Path

    return inspections.load(Path(__file__).resolve().parents[2] / "data")


def raw_row(data_dir, file_name, gss_code):
    with open(data_dir / "inspections" / file_name, encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["gss_code"] == gss_code]
    assert len(rows) == 1
    return rows[0]


def test_counts_per_regime(content):
    """153 ILACS authorities; 72 CQC assessments; 72 SEND rows less the two Cumbrian areas
    that share the old county code E10000006, which are left out and noted."""
    counts = content.results["regime"].value_counts().to_dict()
    assert counts == {"ofsted_ilacs": 153, "cqc_asc": 72, "send_area": 70}
    assert list(content.results.columns) == list(inspections.COLUMNS)
    assert len(content.notes) == 1 and "E10000006" in content.notes[0]


def test_concern_counts_per_regime(content):
    concerns = content.results.groupby("regime")["concern"].sum().to_dict()
    # ILACS 11 inadequate + 24 requires improvement; CQC 1 + 21; SEND outcome 3: 20.
    assert concerns == {"ofsted_ilacs": 35, "cqc_asc": 22, "send_area": 20}


def test_hartlepool_spot_checked_against_raw_rows(content, data_dir):
    mine = content.results[content.results["gss_code"] == HARTLEPOOL].set_index("regime")
    ilacs = raw_row(data_dir, inspections.ILACS_FILE, HARTLEPOOL)
    assert mine.loc["ofsted_ilacs", "judgement"] == ilacs["overall_effectiveness_grade"]
    assert mine.loc["ofsted_ilacs", "judgement"] == "outstanding"
    assert mine.loc["ofsted_ilacs", "published_on"] == datetime.date.fromisoformat(
        ilacs["publication_date"]
    )
    cqc = raw_row(data_dir, inspections.CQC_FILE, HARTLEPOOL)
    assert mine.loc["cqc_asc", "judgement"] == cqc["overall_rating"] == "Good"
    assert mine.loc["cqc_asc", "published_on"] is None
    send = raw_row(data_dir, inspections.SEND_FILE, HARTLEPOOL)
    assert send["outcome_grade"] == "1"
    assert mine.loc["send_area", "judgement"] == ("1: typically positive experiences and outcomes")
    assert not mine["concern"].any()


def test_unreadable_judgements_are_not_concerns(content):
    unreadable = content.unreadable()
    by_regime = unreadable.groupby("regime")["judgement"].apply(set).to_dict()
    assert by_regime == {
        "ofsted_ilacs": {"not_reported_post_reform"},
        "cqc_asc": {"Not Rated"},
        "send_area": {""},
    }
    assert len(unreadable) == 11 + 1 + 1
    assert not unreadable["concern"].any()
    durham = content.results.query("gss_code == 'E06000047' and regime == 'cqc_asc'")
    assert durham["judgement"].tolist() == ["Not Rated"]


@pytest.mark.parametrize(
    ("regime", "judgement", "concern"),
    [
        ("ofsted_ilacs", "inadequate", True),
        ("ofsted_ilacs", "requires improvement", True),
        ("ofsted_ilacs", "good", False),
        ("ofsted_ilacs", "outstanding", False),
        ("ofsted_ilacs", "data_unreadable", False),
        ("ofsted_ilacs", "not_reported_post_reform", False),
        ("ofsted_ilacs", "", False),
        ("cqc_asc", "Inadequate", True),
        ("cqc_asc", "Requires improvement", True),
        ("cqc_asc", "Good", False),
        ("cqc_asc", "Outstanding", False),
        ("cqc_asc", "Not Rated", False),
        ("send_area", "3: widespread or systemic failings", True),
        ("send_area", "3", True),
        ("send_area", "2: inconsistent experiences and outcomes", False),
        ("send_area", "1", False),
        ("send_area", "", False),
    ],
)
def test_concern_rule(regime, judgement, concern):
    assert inspections.is_concern(regime, judgement) is concern


def run_import():
    out = io.StringIO()
    call_command("import_inspections", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_is_idempotent(content):
    first = run_import()
    count = InspectionResult.objects.count()
    # Barnsley and Sheffield carry their 2025 codes, not in the register; Dorset and North
    # Yorkshire carry their abolished county codes.
    assert "Skipped ofsted_ilacs E08000038: GSS code not in the council register" in first
    assert "Skipped ofsted_ilacs E08000039" in first
    assert "Skipped send_area E10000009" in first and "abolished" in first
    assert "Skipped send_area E10000023" in first
    assert "E10000006" in first
    assert count == len(content.results) - 4
    assert f"{count} created, 0 updated, 0 unchanged, 4 skipped." in first

    second = run_import()
    assert f"0 created, 0 updated, {count} unchanged, 4 skipped." in second
    assert InspectionResult.objects.count() == count

    hartlepool = InspectionResult.objects.get(council__gss_code=HARTLEPOOL, regime="cqc_asc")
    assert hartlepool.judgement == "Good" and not hartlepool.concern
    assert hartlepool.source_file == inspections.CQC_FILE


@pytest.mark.django_db
def test_changed_judgement_updates_in_place(content):
    run_import()
    frame = content.results[content.results["gss_code"] == HARTLEPOOL].copy()
    frame.loc[frame["regime"] == "cqc_asc", ["judgement", "concern"]] = ["Inadequate", True]
    report = inspections_load(frame=frame)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    result = InspectionResult.objects.get(council__gss_code=HARTLEPOOL, regime="cqc_asc")
    assert result.concern and result.judgement == "Inadequate"


@pytest.mark.django_db
def test_unknown_code_is_reported_not_dropped():
    frame = pd.DataFrame(
        [
            {
                "gss_code": "E99999999",
                "regime": "cqc_asc",
                "published_on": None,
                "judgement": "Good",
                "readable": True,
                "concern": False,
                "source_file": inspections.CQC_FILE,
            }
        ]
    )
    report = inspections_load(frame=frame)
    assert report.skipped == [("E99999999", "cqc_asc", "GSS code not in the council register")]
    assert not InspectionResult.objects.exists()


@pytest.mark.django_db
def test_the_dataset_registry_imports_them_too(content):
    out = io.StringIO()
    call_command("import_dataset", "inspections", stdout=out)
    text = out.getvalue()
    assert "Open Government Licence v3.0" in text
    count = len(content.results) - 4
    assert f"{count} created, 0 updated, 0 unchanged, 4 skipped." in text
    assert InspectionResult.objects.count() == count


@pytest.mark.django_db
def test_the_dataset_registry_reports_missing_files(tmp_path):
    with pytest.raises(CommandError, match="inspections was not imported; nothing changed"):
        call_command("import_dataset", "inspections", "--data-dir", str(tmp_path))
    assert InspectionResult.objects.count() == 0
