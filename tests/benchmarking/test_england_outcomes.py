"""England's outcomes and wellbeing datasets (LAIT, waste, GCSE and KS2, wellbeing).

The pure tests read slices of the real files in data/: the rows of a few named councils, cut
from the files as they are. Each figure checked here was read by hand from the source cell
named in the test. The database tests import the same slices through `import_dataset`.
"""

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from benchmarking.datasets import (
    DATASETS,
    VALUE_COLUMNS,
    england_attainment,
    england_lait,
    england_waste,
    england_wellbeing,
    existed_in,
    register_codes,
    register_lifetimes,
)
from benchmarking.datasets.england_lait import lait_period
from benchmarking.models import METRIC_CODE, Metric, ReferenceValue, Value
from benchmarking.services import METRIC_COLUMNS, metric_rows_check, references_import
from benchmarking.validation import CouncilFacts, validate_values
from selfreg.fileproblems import FileProblems

DATA = Path(__file__).resolve().parents[2] / "data"
HARTLEPOOL, THURROCK, BIRMINGHAM = "E06000001", "E06000034", "E08000025"
NORTH_YORKSHIRE, NORTH_YORKSHIRE_COUNTY = "E06000065", "E10000023"
BUCKINGHAMSHIRE, BUCKINGHAMSHIRE_COUNTY = "E06000060", "E10000002"
DORSET_COUNTY, WYCOMBE, CHILTERN = "E10000009", "E07000007", "E07000005"
BARNSLEY, BARNSLEY_NEW = "E08000016", "E08000038"
ENGLAND = "E92000001"

# The councils each slice keeps, besides England and a joint body or region where named.
SLICES = {
    england_lait.LAIT: {
        HARTLEPOOL,
        THURROCK,
        BIRMINGHAM,
        NORTH_YORKSHIRE,
        DORSET_COUNTY,
        "E06000058",  # Bournemouth, Christchurch and Poole
        ENGLAND,
    },
    england_waste.WASTE: {
        "E06000004",  # Stockton-on-Tees
        THURROCK,
        DORSET_COUNTY,
        WYCOMBE,
        CHILTERN,
        "E50000001",  # East London Waste Authority
    },
    england_attainment.ATTAINMENT: {
        "E07000223",  # Adur
        BARNSLEY,
        BARNSLEY_NEW,
        NORTH_YORKSHIRE,
        "E07000244",  # East Suffolk
        "E12000001",  # North East region
        ENGLAND,
    },
    england_wellbeing.WELLBEING: {
        HARTLEPOOL,
        THURROCK,
        BUCKINGHAMSHIRE,
        "E07000026",  # Allerdale, abolished in 2023
        "E06000059",  # Dorset Council, created in 2019
        "E12000001",
        ENGLAND,
    },
}


def write_slices(folder: Path, change=None) -> Path:
    """Copy the register and a slice of each file into `folder`; `change(path, frame)` may
    alter a slice before it is written."""
    (folder / "councils").mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "councils" / "uk_local_authorities.csv", folder / "councils")
    for path, codes in SLICES.items():
        frame = pd.read_csv(DATA / path, dtype=str, keep_default_na=False)
        frame = frame[frame["gss_code"].isin(codes)]
        if change is not None:
            frame = change(path, frame)
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(folder / path, index=False)
    return folder


@pytest.fixture(scope="module")
def sliced(tmp_path_factory):
    return write_slices(tmp_path_factory.mktemp("england"))


@pytest.fixture(scope="module")
def content(sliced):
    councils = register_codes(sliced)
    return {name: DATASETS[name].load(sliced, councils) for name in NAMES}


NAMES = ("england-lait", "england-waste", "england-attainment", "england-wellbeing")


def metric(content, code: str) -> dict:
    return next(m for m in content.metrics if m["code"] == code)


def value(content, gss: str, code: str, period: str) -> pd.Series:
    v = content.values
    rows = v[(v["gss_code"] == gss) & (v["metric_code"] == code) & (v["period"] == period)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def has_value(content, gss: str, code: str, period: str) -> bool:
    v = content.values
    return bool(
        ((v["gss_code"] == gss) & (v["metric_code"] == code) & (v["period"] == period)).any()
    )


def reference(content, code: str, period: str) -> dict:
    found = [r for r in content.references if (r["metric_code"], r["period"]) == (code, period)]
    assert len(found) == 1, found
    return found[0]


# --- every dataset ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_each_dataset_declares_its_source_and_passes_the_upload_checks(content, name):
    dataset = DATASETS[name]
    assert "Open Government Licence v3.0" in dataset.licence
    assert dataset.published
    for path in dataset.files:
        assert (DATA / path).is_file(), path
    data = content[name]
    assert len(metric_rows_check(data.metrics)) == len(data.metrics)
    for row in data.metrics:
        assert set(row) == set(METRIC_COLUMNS)
        assert METRIC_CODE.fullmatch(row["code"])
        assert row["theme"] and row["attribution"] and row["licence"] and row["comparator"]
    assert list(data.values.columns) == list(VALUE_COLUMNS)
    # The same check an uploaded file gets, with the register's real dates: a figure for a
    # period in which its council did not exist would be refused here.
    lifetimes = register_lifetimes(DATA)
    councils = {
        gss: CouncilFacts(
            i,
            pd.Timestamp(life.start).date() if life.start else None,
            pd.Timestamp(life.end).date() if life.end else None,
        )
        for i, (gss, life) in enumerate(lifetimes.items())
    }
    metrics = {m["code"]: i for i, m in enumerate(data.metrics)}
    assert len(validate_values(data.values, councils=councils, metrics=metrics)) == len(data.values)


def test_every_lait_measure_in_the_full_file_is_catalogued_with_a_source_polarity():
    source = pd.read_csv(DATA / england_lait.LAIT, dtype=str, keep_default_na=False)
    assert set(source["measure_code"]) == set(england_lait.MEASURES)
    assert len(england_lait.MEASURES) == 55
    assert set(source["polarity"]) <= set(england_lait.POLARITY)


# --- LAIT ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "period_type", "expected"),
    [
        ("2016", "Financial Year", ("2015-16", False)),
        ("2016", "Academic Year", ("2015-16", False)),
        ("2016", "Annual", ("2015-16", False)),
        ("2015/16", "Academic Year", ("2015-16", False)),
        ("2016-17 (OT)", "Financial Year", ("2016-17", False)),
        ("2016", "Annual (end of Sept)", ("2016", False)),
        ("2016", "Calendar Year", ("2016", False)),
        ("2025 (prov)", "Academic Year", ("2024-25", True)),
    ],
)
def test_lait_periods(label, period_type, expected):
    assert lait_period(label, period_type) == expected


def test_lait_refuses_a_period_it_cannot_read():
    with pytest.raises(ValueError, match="cannot be read"):
        lait_period("Spring 2016", "Academic Year")
    with pytest.raises(ValueError, match="period type 'Termly'"):
        lait_period("2016", "Termly")


def test_lait_values_as_published(content):
    lait = content["england-lait"]
    # Source line 42551: Thurrock, 2016-17 (OT), LACFinance, 1080 (£ per child per week).
    assert float(value(lait, THURROCK, "lait-unit-cost-cla", "2016-17")["value"]) == 1080
    # Line 42559: Thurrock, 2024-25 (OT), LACFinance, 2800.
    assert float(value(lait, THURROCK, "lait-unit-cost-cla", "2024-25")["value"]) == 2800
    # Line 50937: Thurrock, 2025 at the end of September, caseload 11.6 -> 12.2.
    assert float(value(lait, THURROCK, "lait-sw-caseload", "2025")["value"]) == 12.2
    # Line 5480: Hartlepool 2015/16 permanent exclusions, stored as 7.8750000000000001E-2.
    exclusions = value(lait, HARTLEPOOL, "lait-permanent-exclusions", "2015-16")
    assert float(exclusions["value"]) == float("7.8750000000000001E-2")
    # Line 61428: Hartlepool phonics 2025 (prov), 78, marked provisional.
    phonics = value(lait, HARTLEPOOL, "lait-phonics-decoding", "2024-25")
    assert (float(phonics["value"]), phonics["note"]) == (78, "Provisional figure.")


def test_lait_catalogue(content):
    lait = content["england-lait"]
    unit_cost = metric(lait, "lait-unit-cost-cla")
    assert (unit_cost["element"], unit_cost["unit"]) == ("cost", "£ per child per week")
    assert unit_cost["polarity"] == "neutral"
    looked_after = metric(lait, "lait-cla-rate")
    assert (looked_after["element"], looked_after["polarity"]) == ("outcome", "neutral")
    assert "not in itself bad" in looked_after["context_note"]
    assert metric(lait, "lait-cla-convicted")["polarity"] == "lower_better"
    assert metric(lait, "lait-ks4-attainment8")["theme"] == "Education"
    assert metric(lait, "lait-cpp-rate")["theme"] == "Children's services"
    assert {m["comparator"] for m in lait.metrics} == {"people"}


def test_lait_figures_of_the_old_county_are_stored_against_it(content):
    lait = content["england-lait"]
    # Line 25244: North Yorkshire (current code), 2016 looked-after rate 35: the year to
    # March 2016, when North Yorkshire County Council was the children's services authority.
    assert float(value(lait, NORTH_YORKSHIRE_COUNTY, "lait-cla-rate", "2015-16")["value"]) == 35
    assert not has_value(lait, NORTH_YORKSHIRE, "lait-cla-rate", "2015-16")
    # Line 25252: 2024, rate 44: the new council's own.
    assert float(value(lait, NORTH_YORKSHIRE, "lait-cla-rate", "2023-24")["value"]) == 44
    assert any("stored against North Yorkshire (E10000023)" in n for n in lait.notes)


def test_lait_figures_after_a_council_ended_are_left_out_and_listed(content):
    lait = content["england-lait"]
    # Line 73056: Dorset (Pre LG) first-time entrants, 2024: five years after the county ended.
    assert not has_value(lait, DORSET_COUNTY, "lait-youth-justice-first-time", "2024")
    assert not has_value(lait, DORSET_COUNTY, "lait-youth-justice-first-time", "2020")
    # Calendar 2019 began while the county still existed (to 31 March 2019), so it is kept:
    # the same rule as for any uploaded figure.
    assert has_value(lait, DORSET_COUNTY, "lait-youth-justice-first-time", "2019")
    assert any(s.startswith("Dorset County (E10000009): 15 figures") for s in lait.skipped)
    # Nothing was summed into a successor either.
    assert not has_value(lait, "E06000059", "lait-youth-justice-first-time", "2024")


def test_lait_england_is_a_reference_figure_not_a_council(content):
    lait = content["england-lait"]
    assert ENGLAND not in set(lait.values["gss_code"])
    # Line 26180: England, 2016, looked-after rate 60.
    england = reference(lait, "lait-cla-rate", "2015-16")
    assert (england["area_name"], float(england["value"])) == ("England", 60)
    assert len(lait.references) == 492


# --- waste -------------------------------------------------------------------------------------


def test_waste_proportions_become_percentages_and_nothing_else_changes(content):
    waste = content["england-waste"]
    # Source line 2: Stockton-on-Tees 2010-11 NI191 706 kg; line 3: NI192 0.298.
    assert value(waste, "E06000004", "waste-residual-per-household", "2010-11")["value"] == "706"
    assert value(waste, "E06000004", "waste-recycled", "2010-11")["value"] == "29.800"
    # Lines 9283-9284: Thurrock 2017-18, float noise kept exactly.
    residual = value(waste, THURROCK, "waste-residual-per-household", "2017-18")
    assert residual["value"] == "741.0702622062566"
    recycled = value(waste, THURROCK, "waste-recycled", "2017-18")
    assert recycled["value"] == "36.03810485954897500"
    assert metric(waste, "waste-recycled")["unit"] == "%"
    assert metric(waste, "waste-recycled")["polarity"] == "higher_better"
    assert metric(waste, "waste-landfilled")["polarity"] == "lower_better"
    assert {m["comparator"] for m in waste.metrics} == {"place"}
    assert "multiplies it by 100" in metric(waste, "waste-recycled")["definition"]


def test_joint_waste_arrangements(content):
    waste = content["england-waste"]
    # Line 3497: the Dorset Waste Partnership, published under the county's code: 0.503.
    dorset = value(waste, DORSET_COUNTY, "waste-recycled", "2012-13")
    assert dorset["value"] == "50.300"
    assert "Dorset Waste Partnership" in dorset["note"]
    assert value(waste, DORSET_COUNTY, "waste-recycled", "2010-11")["note"] == ""
    # Line 7934: Wycombe 2016-17, 0.513, after Chiltern stopped reporting its own figures.
    wycombe = value(waste, WYCOMBE, "waste-recycled", "2016-17")
    assert (wycombe["value"], "Chiltern" in wycombe["note"]) == ("51.300", True)
    assert value(waste, WYCOMBE, "waste-recycled", "2014-15")["note"] == ""
    assert not has_value(waste, CHILTERN, "waste-recycled", "2016-17")
    # A joint waste authority is not a council: left out, not shared among its boroughs.
    assert "E50000001" not in set(waste.values["gss_code"])
    assert any(s.startswith("East London Waste Authority (E50000001)") for s in waste.skipped)
    assert waste.references == []


# --- GCSE and KS2 --------------------------------------------------------------------------------


def test_attainment_values_periods_and_england(content):
    attainment = content["england-attainment"]
    # Line 2769: Adur, 2023-09-01/P1Y, GCSE English and maths by 19, 80.984.
    adur = value(attainment, "E07000223", "ess-gcse-english-maths-age19", "2023-24")
    assert adur["value"] == "80.984"
    # Line 4647: Adur 2023/24 KS2 58.
    assert value(attainment, "E07000223", "ess-ks2-rwm-expected", "2023-24")["value"] == "58"
    # Line 2: England 2016/17, 71.572.
    england = reference(attainment, "ess-gcse-english-maths-age19", "2016-17")
    assert england["value"] == "71.572"
    assert not any(r["area_code"].startswith("E12") for r in attainment.references)
    assert "E12000001" not in set(attainment.values["gss_code"])


def test_attainment_repeats_under_a_new_code_are_dropped(content):
    attainment = content["england-attainment"]
    assert BARNSLEY_NEW not in set(attainment.values["gss_code"])
    barnsley = attainment.values[attainment.values["gss_code"] == BARNSLEY]
    assert len(barnsley) == 14
    assert any(n.startswith("E08000038: 14 figures repeat") for n in attainment.notes)


def test_attainment_refuses_a_new_code_that_disagrees(tmp_path):
    def change(path, frame):
        if path == england_attainment.ATTAINMENT:
            frame = frame.copy()
            first = frame.index[frame["gss_code"] == BARNSLEY_NEW][0]
            frame.loc[first, "value"] = "12.5"
        return frame

    folder = write_slices(tmp_path, change)
    with pytest.raises(ValueError, match="give different figures"):
        DATASETS["england-attainment"].load(folder, register_codes(folder))


def test_attainment_before_a_council_existed_is_left_out(content):
    attainment = content["england-attainment"]
    assert not has_value(attainment, "E07000244", "ess-gcse-english-maths-age19", "2016-17")
    assert any(s.startswith("East Suffolk (E07000244): 4 figures") for s in attainment.skipped)
    # The new North Yorkshire council's code for 2016-17 is the county's figure.
    assert has_value(attainment, NORTH_YORKSHIRE_COUNTY, "ess-ks2-rwm-expected", "2018-19")


# --- wellbeing --------------------------------------------------------------------------------


def test_wellbeing_is_residents_own_wellbeing_in_the_perception_element(content):
    wellbeing = content["england-wellbeing"]
    assert {m["element"] for m in wellbeing.metrics} == {"perception"}
    assert {m["theme"] for m in wellbeing.metrics} == {"Wellbeing"}
    assert (
        "not what they think of the council"
        in metric(wellbeing, "wellbeing-anxiety")["context_note"]
    )
    assert metric(wellbeing, "wellbeing-anxiety")["polarity"] == "lower_better"
    assert metric(wellbeing, "wellbeing-happiness")["polarity"] == "higher_better"


def test_wellbeing_values_with_their_intervals(content):
    wellbeing = content["england-wellbeing"]
    # Source line 2: Hartlepool 2011-12 anxiety 2.96 (2.76 to 3.16).
    hartlepool = value(wellbeing, HARTLEPOOL, "wellbeing-anxiety", "2011-12")
    assert hartlepool["value"] == "2.96"
    assert hartlepool["note"] == "95% confidence interval: 2.76 to 3.16."
    # Line 1525: Thurrock 2022-23 life satisfaction 7.64 (7.46 to 7.83).
    thurrock = value(wellbeing, THURROCK, "wellbeing-life-satisfaction", "2022-23")
    assert (thurrock["value"], thurrock["note"]) == (
        "7.64",
        "95% confidence interval: 7.46 to 7.83.",
    )
    # Line 16233: England 2022-23, 7.44 (7.42 to 7.46).
    england = reference(wellbeing, "wellbeing-life-satisfaction", "2022-23")
    assert (england["value"], england["lower"], england["upper"]) == ("7.44", "7.42", "7.46")


def test_wellbeing_predecessors_and_successors(content):
    wellbeing = content["england-wellbeing"]
    # Line 2670: Buckinghamshire (current code) 2015-16, 7.86: the county's, same area.
    bucks = value(wellbeing, BUCKINGHAMSHIRE_COUNTY, "wellbeing-life-satisfaction", "2015-16")
    assert bucks["value"] == "7.86"
    assert not has_value(wellbeing, BUCKINGHAMSHIRE, "wellbeing-life-satisfaction", "2015-16")
    # Allerdale (abolished 2023) keeps its own figures for the years it existed.
    assert has_value(wellbeing, "E07000026", "wellbeing-life-satisfaction", "2022-23")
    # Dorset Council (2019) has none before 2019-20: its area was not the old county's.
    assert not has_value(wellbeing, "E06000059", "wellbeing-life-satisfaction", "2018-19")
    assert has_value(wellbeing, "E06000059", "wellbeing-life-satisfaction", "2019-20")
    assert not has_value(wellbeing, DORSET_COUNTY, "wellbeing-life-satisfaction", "2018-19")
    assert any(s.startswith("Dorset Council (E06000059): 32 figures") for s in wellbeing.skipped)


def test_existed_in_follows_the_register_dates():
    lifetimes = register_lifetimes(DATA)
    assert existed_in(lifetimes["E07000026"], "2022-23")  # Allerdale, to 1 April 2023
    assert not existed_in(lifetimes["E07000026"], "2023-24")
    assert not existed_in(lifetimes["E06000059"], "2018-19")  # Dorset Council, from 2019
    assert existed_in(lifetimes["E06000059"], "2019")


# --- through the database ------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_dataset", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_import_stores_values_and_england_figures_and_a_rerun_changes_nothing(sliced):
    first = run("england-wellbeing", "--data-dir", str(sliced), "--no-recompute")
    assert "Reference figures (England): 48 created" in first
    assert "Published: ONS Explore Local Statistics" in first
    stored = Value.objects.get(
        council__gss_code=THURROCK, metric__code="wellbeing-life-satisfaction", period="2022-23"
    )
    assert (stored.value, stored.note) == (7.64, "95% confidence interval: 7.46 to 7.83.")
    england = ReferenceValue.objects.get(
        metric__code="wellbeing-life-satisfaction", period="2022-23", area_code=ENGLAND
    )
    assert (england.value, england.lower, england.upper) == (7.44, 7.42, 7.46)
    assert Metric.objects.get(code="wellbeing-anxiety").dataset == "england-wellbeing"

    assert "unchanged since it was imported" in run("england-wellbeing", "--data-dir", str(sliced))
    second = run("england-wellbeing", "--data-dir", str(sliced), "--no-recompute", "--force")
    assert "Values: 0 created, 0 updated" in second
    assert "Reference figures (England): 0 created, 0 updated, 48 unchanged, 0 removed." in second


@pytest.mark.django_db
def test_each_sliced_dataset_imports(sliced):
    for name in ("england-lait", "england-waste", "england-attainment"):
        output = run(name, "--data-dir", str(sliced), "--no-recompute")
        assert "Values:" in output and "created" in output
    cost = Value.objects.get(
        council__gss_code=THURROCK, metric__code="lait-unit-cost-cla", period="2016-17"
    )
    assert cost.value == 1080
    assert Value.objects.filter(council__gss_code=NORTH_YORKSHIRE_COUNTY).exists()
    assert ReferenceValue.objects.filter(metric__dataset="england-waste").count() == 0
    assert ReferenceValue.objects.filter(metric__dataset="england-attainment").count() == 14


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "path", "column", "bad"),
    [
        ("england-lait", england_lait.LAIT, "value", "n/a"),
        ("england-lait", england_lait.LAIT, "value", "inf"),
        ("england-waste", england_waste.WASTE, "value", "0,298"),
        ("england-attainment", england_attainment.ATTAINMENT, "period", "2016/17"),
        ("england-wellbeing", england_wellbeing.WELLBEING, "ci_lower", "low"),
    ],
)
def test_a_malformed_file_is_refused_with_nothing_written(tmp_path, name, path, column, bad):
    def change(changed, frame):
        if changed == path:
            frame = frame.copy()
            frame.loc[frame.index[0], column] = bad
        return frame

    folder = write_slices(tmp_path, change)
    with pytest.raises(CommandError, match="nothing"):
        run(name, "--data-dir", str(folder), "--no-recompute")
    assert not Metric.objects.filter(dataset=name).exists()
    assert not Value.objects.filter(source_ref=name).exists()
    assert not ReferenceValue.objects.exists()


@pytest.mark.django_db
def test_a_file_missing_a_column_is_refused(tmp_path):
    def change(path, frame):
        return frame.drop(columns=["ci_upper"]) if path == england_wellbeing.WELLBEING else frame

    folder = write_slices(tmp_path, change)
    with pytest.raises(CommandError, match="has no column ci_upper"):
        run("england-wellbeing", "--data-dir", str(folder))
    assert not Metric.objects.filter(dataset="england-wellbeing").exists()


@pytest.mark.django_db
def test_references_import_checks_everything_before_writing_and_removes_what_is_gone(sliced):
    run("england-wellbeing", "--data-dir", str(sliced), "--no-recompute")
    codes = list(Metric.objects.filter(dataset="england-wellbeing").values_list("code", flat=True))
    before = ReferenceValue.objects.count()
    bad = [
        {"metric_code": "wellbeing-anxiety", "period": "2019-18", "area_code": ENGLAND,
         "area_name": "England", "value": "3"},
        {"metric_code": "lait-cla-rate", "period": "2019", "area_code": ENGLAND,
         "area_name": "England", "value": "3"},
        {"metric_code": "wellbeing-anxiety", "period": "2019-20", "area_code": ENGLAND,
         "area_name": "England", "value": "3", "lower": "4", "upper": "2"},
        {"metric_code": "wellbeing-anxiety", "period": "2020-21", "area_code": ENGLAND,
         "area_name": "England", "value": "inf"},
    ]  # fmt: skip
    with pytest.raises(FileProblems) as raised:
        references_import(rows=bad, metric_codes=codes)
    messages = [p.message for p in raised.value.problems]
    assert any("end year must be after" in m for m in messages)
    assert "Not a metric of this dataset." in messages
    assert "The lower limit is above the upper limit." in messages
    assert "'inf' is not a number." in messages
    assert ReferenceValue.objects.count() == before

    keep = [
        {"metric_code": "wellbeing-anxiety", "period": "2019-20", "area_code": ENGLAND,
         "area_name": "England", "value": "9.9", "lower": "9.8", "upper": "9.95"},
    ]  # fmt: skip
    report = references_import(rows=keep, metric_codes=codes)
    assert (report.updated, report.deleted) == (1, before - 1)
    assert ReferenceValue.objects.get().value == 9.9


def test_every_dataset_passes_the_unit_checks_as_a_whole_file():
    """The whole real files, not slices: a percentage past 100 is refused unless its measure
    says it may pass 100 (funded two-year-old places, counted against an estimate)."""
    for name in ("england-lait", "england-waste", "england-attainment", "england-wellbeing"):
        content = DATASETS[name].load(DATA)
        limited = {m["code"] for m in content.metrics if m["unit"] == "%"} - {
            m["code"] for m in content.metrics if m.get("unit_limits") == "false"
        }
        numbers = pd.to_numeric(content.values["value"])
        shares = numbers[content.values["metric_code"].isin(limited)]
        assert shares.between(0, 100).all(), name
