import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from selfreg.models import AreaGrouping, Council, CouncilType, GroupingKind
from selfreg.register import RegisterError, parse_register

REGISTER = Path(__file__).resolve().parents[2] / "data" / "councils" / "uk_local_authorities.csv"


def read_rows():
    with REGISTER.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def write_rows(path, fieldnames, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_load(path) -> str:
    out = io.StringIO()
    call_command("load_councils", str(path), stdout=out)
    return out.getvalue()


def test_real_register_parses_with_every_council():
    records = parse_register(REGISTER)
    assert len(records) == 470
    hartlepool = next(r for r in records if r.gss_code == "E06000001")
    assert hartlepool.name == "Hartlepool"
    assert hartlepool.kind == CouncilType.UNITARY


@pytest.mark.django_db
def test_loaded_register_has_real_facts_and_links():
    hartlepool = Council.objects.get(gss_code="E06000001")
    assert hartlepool.region == "North East"
    assert hartlepool.population == 93836
    assert hartlepool.tier == "upper"
    kent = Council.objects.get(gss_code="E10000016")
    assert kent.kind == CouncilType.COUNTY
    assert kent.districts.filter(name="Maidstone").exists()
    allerdale = Council.objects.get(la_code="ALL")
    assert not allerdale.is_current
    assert {c.la_code for c in allerdale.successors.all()} == {"CBD"}
    cumbria = Council.objects.get(la_code="CMA")
    assert {c.la_code for c in cumbria.successors.all()} == {"CBD", "WAF"}


@pytest.mark.django_db
def test_rerun_changes_nothing():
    before = Council.history.count()
    output = run_load(REGISTER)
    assert "0 created, 0 updated, 0 retired, 470 unchanged" in output
    assert Council.history.count() == before


@pytest.mark.django_db
def test_regions_and_county_areas_are_derived():
    north_east = AreaGrouping.objects.get(slug="region-north-east")
    assert north_east.kind == GroupingKind.REGION
    assert north_east.councils.filter(gss_code="E06000001").exists()
    kent_area = AreaGrouping.objects.get(slug="county-kent")
    names = set(kent_area.councils.values_list("name", flat=True))
    assert {"Kent", "Maidstone", "Dartford"} <= names
    assert "Medway" not in names  # a unitary inside the county's historic area


@pytest.mark.django_db
def test_update_and_retirement_are_reported(tmp_path):
    fieldnames, rows = read_rows()
    for row in rows:
        if row["gss-code"] == "E06000001":
            row["pop-2020"] = "94000"
        if row["gss-code"] == "E06000005":
            row["end-date"] = "2030-03-31"
    output = run_load(write_rows(tmp_path / "register.csv", fieldnames, rows))
    assert "0 created, 1 updated, 1 retired" in output
    assert "Retired: DAL" in output
    assert Council.objects.get(gss_code="E06000001").population == 94000
    assert Council.objects.get(gss_code="E06000001").history.count() == 2


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("local-authority-type", "XYZ", "local-authority-type 'XYZ' is unknown"),
        ("gss-code", "E0600001", "is not a 9-character GSS code"),
        ("start-date", "1 April 2019", "start-date '1 April 2019' is not a date"),
        ("pop-2020", "many", "pop-2020 'many' is not a number"),
        ("area", "-3", "area '-3' cannot be negative"),
        ("nation", "Mercia", "nation 'Mercia' is unknown"),
        ("county-la", "ZZZ", "county-la 'ZZZ' is not in the register"),
        ("replaced-by", "HPL,QQQ", "replaced-by 'QQQ' is not in the register"),
        ("gss-code", "E06000005", "gss-code 'E06000005' repeats line"),
    ],
)
@pytest.mark.django_db
def test_malformed_register_is_rejected_whole_with_line_and_reason(
    tmp_path, column, value, message
):
    fieldnames, rows = read_rows()
    line = next(i for i, row in enumerate(rows) if row["gss-code"] == "E06000001") + 2
    rows[line - 2][column] = value
    rows[0]["pop-2020"] = "1"  # a valid change elsewhere must not be written either
    before = list(Council.objects.order_by("pk").values_list("la_code", "population"))
    with pytest.raises(CommandError) as raised:
        run_load(write_rows(tmp_path / "bad.csv", fieldnames, rows))
    assert "nothing changed" in str(raised.value)
    assert message in str(raised.value)
    if column != "gss-code" or "repeats" not in message:
        assert f"Line {line}:" in str(raised.value)
    assert list(Council.objects.order_by("pk").values_list("la_code", "population")) == before


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("local-authority-code,nice-name\nHPL,Hartlepool\n", encoding="utf-8")
    with pytest.raises(RegisterError) as raised:
        parse_register(path)
    assert "missing column(s): official-name, gss-code" in str(raised.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(RegisterError, match="Cannot open"):
        parse_register(tmp_path / "nowhere.csv")
