"""The English finance datasets on slices of the real files: formulas worked by hand from
named source cells, councils that changed, and a malformed file refused whole.

Each slice keeps every column and the rows of a few named councils, so the adapters read it
exactly as they read the full files, in a fraction of the time.
"""

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from benchmarking.datasets import (
    DATASETS,
    england_borrowing,
    england_budget,
    england_capital,
    england_commercial,
    england_rs,
    england_spending_power,
    register_codes,
    register_lifetimes,
)
from benchmarking.datasets.england_finance import PIKE
from benchmarking.models import ComparisonStatistic, Metric, Value
from benchmarking.services import METRIC_COLUMNS, metric_rows_check
from benchmarking.validation import CouncilFacts, validate_values

DATA = Path(__file__).resolve().parents[2] / "data"
THURROCK, HARTLEPOOL, WOKING, ADUR = "E06000034", "E06000001", "E07000217", "E07000223"
NORTH_YORKSHIRE, NOT_A_COUNCIL_CODE = "E10000023", "E10000022"
PURBECK, DORSET_COUNCIL, DORSET_COUNTY = "E07000051", "E06000059", "E10000009"
BOURNEMOUTH, BCP, NEW_FOREST, TELFORD = "E06000028", "E06000058", "E07000091", "E06000020"
BUCKS_COUNCIL, BUCKS_COUNTY = "E06000060", "E10000002"
CODES = {
    THURROCK,
    HARTLEPOOL,
    WOKING,
    ADUR,
    NORTH_YORKSHIRE,
    NOT_A_COUNCIL_CODE,
    PURBECK,
    DORSET_COUNCIL,
    DORSET_COUNTY,
    BOURNEMOUTH,
    BCP,
    NEW_FOREST,
    TELFORD,
    BUCKS_COUNCIL,
    BUCKS_COUNTY,
    "E23000033",  # Dorset police: not a council
}
TRADING_NAMES = {
    "Woking",
    "Thurrock UA",
    "Telford and the Wrekin UA",
    "Purbeck**",
    "Buckinghamshire",
}
FINANCE_NAMES = ("england-spending-power", "england-borrowing", "england-capital")
FINANCE_NAMES += ("england-commercial", "england-budget")


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _slice(source: Path, target: Path, keep) -> None:
    frame = _csv(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    frame[keep(frame)].to_csv(target, index=False)


def make_slice(root: Path) -> Path:
    (root / "councils").mkdir(parents=True)
    shutil.copy(DATA / "councils" / "uk_local_authorities.csv", root / "councils")
    for path in (
        england_rs.COLUMNS,
        england_capital.PRUDENTIAL_COLUMNS,
        england_budget.BUDGET_COLUMNS,
    ):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / path, root / path)
    by_ons = lambda f: f["ons_code"].isin(CODES)  # noqa: E731
    for path in (england_rs.EARLIER, england_rs.EXTRA_LINES, england_rs.OUTTURN):
        _slice(
            DATA / path,
            root / path,
            lambda f: by_ons(f) | (f["la_class"] == "O") & f["ons_code"].eq("E23000033"),
        )
    for path in (england_borrowing.BORROWING, england_borrowing.INVESTMENTS):
        _slice(
            DATA / path,
            root / path,
            lambda f: (
                f["gss_code"].isin(CODES)
                | f["la_name"].isin(["Cornwall", "Cornwall UA", "Caradon"])
            ),
        )
    _slice(DATA / england_capital.PRUDENTIAL, root / england_capital.PRUDENTIAL, by_ons)
    _slice(
        DATA / england_spending_power.SPENDING_POWER,
        root / england_spending_power.SPENDING_POWER,
        by_ons,
    )
    _slice(DATA / PIKE, root / PIKE, lambda f: f["la_code"].isin(CODES))
    _slice(
        DATA / england_commercial.TRADING,
        root / england_commercial.TRADING,
        lambda f: f["Local authority"].isin(TRADING_NAMES),
    )
    _slice(DATA / england_budget.BUDGET, root / england_budget.BUDGET, by_ons)
    return root


@pytest.fixture(scope="module")
def sliced(tmp_path_factory) -> Path:
    return make_slice(tmp_path_factory.mktemp("finance"))


@pytest.fixture(scope="module")
def content(sliced):
    return {name: DATASETS[name].load(sliced) for name in ("england-rs", *FINANCE_NAMES)}


def value(content, gss: str, code: str, period: str) -> dict:
    frame = content.values
    rows = frame[
        (frame["gss_code"] == gss) & (frame["metric_code"] == code) & (frame["period"] == period)
    ]
    assert len(rows) == 1, f"{gss} {code} {period}: {len(rows)} rows"
    row = rows.iloc[0]
    return {k: float(row[k]) if row[k] else None for k in ("value", "numerator", "denominator")}


def periods(content, gss: str, code: str) -> list[str]:
    frame = content.values
    return sorted(frame.loc[(frame["gss_code"] == gss) & (frame["metric_code"] == code), "period"])


# --- the registry and the catalogue ------------------------------------------------------------


@pytest.mark.parametrize("name", FINANCE_NAMES)
def test_each_finance_dataset_declares_what_the_brief_asks(name, content):
    dataset = DATASETS[name]
    assert dataset.title and dataset.published and "Open Government Licence" in dataset.licence
    assert all((DATA / f).exists() for f in dataset.files)
    metrics = content[name].metrics
    assert metric_rows_check(metrics)  # the catalogue import accepts them as they are
    for metric in metrics:
        assert set(metric) <= set(METRIC_COLUMNS)
        assert metric["code"].startswith("fin-")
        assert metric["theme"] == "Finance" and metric["comparator"] == "finance"
        assert metric["licence"] == "Open Government Licence v3.0"
        assert "Open Government Licence" in metric["attribution"]
        assert metric["definition"] and metric["unit"] and metric["polarity"]
        if metric["unit"] in ("%", "£ per head"):
            assert metric["numerator_label"] and metric["denominator_label"]


def test_codes_are_unique_across_the_finance_datasets():
    modules = (
        england_rs,
        england_spending_power,
        england_borrowing,
        england_capital,
        england_commercial,
        england_budget,
    )
    codes = [m["code"] for module in modules for m in module.METRICS]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("name", ("england-rs", *FINANCE_NAMES))
def test_the_whole_files_pass_the_upload_checks_within_each_councils_life(name):
    lives = register_lifetimes(DATA)
    councils = {
        gss: CouncilFacts(i, *lives[gss].dates) for i, gss in enumerate(register_codes(DATA))
    }
    content = DATASETS[name].load(DATA)
    metrics = {m["code"]: i for i, m in enumerate(content.metrics)}
    clean = validate_values(content.values, councils=councils, metrics=metrics)  # or raises
    assert len(clean) == len(content.values) > 0


# --- revenue outturn, 2010-11 to 2017-18 -------------------------------------------------------


def test_rs_is_one_series_from_2010_11(content):
    rs = content["england-rs"]
    assert periods(rs, THURROCK, "fin-nre") == [
        "2010-11", "2011-12", "2012-13", "2013-14", "2014-15", "2015-16", "2016-17", "2017-18"
    ]  # fmt: skip
    # 2010-11 file, Thurrock row, rs805 = 103,765; 2017-18 file, rs805 = 107,284.
    assert value(rs, THURROCK, "fin-nre", "2010-11")["value"] == 103765.0
    assert value(rs, THURROCK, "fin-nre", "2017-18")["value"] == 107284.0


def test_2010_11_social_care_comes_from_the_combined_line(content):
    # Hartlepool 2010-11: rs330 and rs360 are blank that year; the extra lines file has
    # rs390_social_care_2010_11_combined = 45,768 and the RS file rs805 = 88,017.
    ours = value(content["england-rs"], HARTLEPOOL, "fin-social-care-ratio", "2010-11")
    assert ours["numerator"] == 45768.0 and ours["denominator"] == 88017.0
    assert ours["value"] == pytest.approx(45768 / 88017 * 100)


def test_north_yorkshire_code_fault_is_put_right_and_said(content):
    rs = content["england-rs"]
    assert NOT_A_COUNCIL_CODE not in set(rs.values["gss_code"])
    assert "2015-16" in periods(rs, NORTH_YORKSHIRE, "fin-nre")
    note = next(n for n in rs.notes if NOT_A_COUNCIL_CODE in n)
    assert "2015-16" in note and NORTH_YORKSHIRE in note and "2016-17" not in note


# --- borrowing and investments -----------------------------------------------------------------


def test_debt_to_nre_for_thurrock_by_hand(content):
    # Borrowing file, as_at 2018-03-31, Thurrock (E1502): total_all_categories = 792,889, of
    # which short_term_loans_local_authorities = 553,000. RS 2017-18, rs805 = 107,284.
    debt = content["england-borrowing"]
    ours = value(debt, THURROCK, "fin-debt-to-nre", "2017-18")
    assert (ours["numerator"], ours["denominator"]) == (792889.0, 107284.0)
    assert ours["value"] == pytest.approx(792889 / 107284 * 100)
    assert ours["value"] == pytest.approx(739.06, abs=0.01)
    assert value(debt, THURROCK, "fin-external-debt", "2017-18")["value"] == 792889.0
    assert value(debt, THURROCK, "fin-debt-short-term-la", "2017-18")["value"] == 553000.0
    share = value(debt, THURROCK, "fin-debt-short-term-la-share", "2017-18")
    assert share["value"] == pytest.approx(553000 / 792889 * 100)


def test_debt_growth_and_debt_to_spending_power_for_thurrock_by_hand(content):
    # total_all_categories at 31 March: 2015 = 309,639; 2017 = 394,639; 2020 = 1,413,489.
    # Core spending power, column 2020 (2019-20) = 116.13 (£ million).
    debt = content["england-borrowing"]
    three = value(debt, THURROCK, "fin-debt-growth-3y", "2019-20")
    assert three["value"] == pytest.approx((1413489 - 394639) / 394639 * 100)
    assert three["denominator"] == 394639.0
    five = value(debt, THURROCK, "fin-debt-growth-5y", "2019-20")
    assert five["value"] == pytest.approx((1413489 - 309639) / 309639 * 100)
    to_csp = value(debt, THURROCK, "fin-debt-to-csp", "2019-20")
    assert to_csp["denominator"] == pytest.approx(116130.0)
    assert to_csp["value"] == pytest.approx(1413489 / 116130 * 100)


def test_investments_are_the_31_march_total(content):
    raw = _csv(DATA / england_borrowing.INVESTMENTS)
    cell = raw.loc[
        (raw["gss_code"] == WOKING) & (raw["as_at"] == "2019-03-31"), "total_all_categories"
    ]
    ours = value(content["england-borrowing"], WOKING, "fin-investments", "2018-19")
    assert ours["value"] == float(cell.iloc[0])


def test_quarter_ends_and_other_bodies_are_left_out(content):
    debt = content["england-borrowing"]
    assert set(debt.values["period"]) <= {f"{y - 1}-{y % 100:02d}" for y in range(2009, 2021)}
    assert "E23000033" not in set(debt.values["gss_code"])
    assert any("quarter-end" in n for n in debt.notes)


def test_a_row_printed_twice_counts_once(content):
    # New Forest appears twice, identically, at 31 March 2009.
    assert (
        value(content["england-borrowing"], NEW_FOREST, "fin-external-debt", "2008-09")["value"]
        == 0.0
    )


# --- councils that changed ---------------------------------------------------------------------


def test_predecessors_keep_their_own_figures_and_nothing_is_summed(content):
    debt = content["england-borrowing"]
    # Purbeck and Bournemouth reported up to 31 March 2019, under their own codes.
    assert periods(debt, PURBECK, "fin-external-debt")[-1] == "2018-19"
    assert value(debt, BOURNEMOUTH, "fin-external-debt", "2018-19")["value"] == 162377.0
    # Dorset Council and BCP begin in 2019-20 with their own reported figures ...
    assert periods(debt, DORSET_COUNCIL, "fin-external-debt") == ["2019-20"]
    assert value(debt, DORSET_COUNCIL, "fin-external-debt", "2019-20")["value"] == 216020.0
    assert value(debt, BCP, "fin-external-debt", "2019-20")["value"] == 261155.0
    # ... and no growth, which would need their predecessors added together.
    for gss in (DORSET_COUNCIL, BCP):
        assert not periods(debt, gss, "fin-debt-growth-3y")
        assert not periods(debt, gss, "fin-debt-growth-5y")
    # Spending power: the old Dorset county has 2011-12 to 2018-19, shown '..' after.
    csp = content["england-spending-power"]
    assert periods(csp, DORSET_COUNTY, "fin-csp")[-1] == "2018-19"
    assert "2019-20" not in periods(csp, DORSET_COUNTY, "fin-csp-change")


def test_councils_replaced_in_2009_are_not_stored_against_the_unitaries(content):
    debt = content["england-borrowing"]
    # Cornwall Council began on 1 April 2009; the county council of that name before it did
    # not report its districts' borrowing, so 31 March 2009 is not Cornwall Council's.
    assert periods(debt, "E06000052", "fin-external-debt")[0] == "2009-10"
    assert any("1 April 2009" in s and "Cornwall" in s for s in debt.skipped)


def test_a_council_is_given_no_figure_for_a_year_before_it_existed(content):
    # Pike et al.'s file has the Buckinghamshire unitary (from 1 April 2020) for 2019-20, and
    # the trading accounts' "Buckinghamshire" county matches that name: neither is kept.
    commercial = content["england-commercial"]
    assert BUCKS_COUNCIL not in set(commercial.values["gss_code"])
    assert any(BUCKS_COUNCIL in s and "did not exist" in s for s in commercial.skipped)


# --- capital financing -------------------------------------------------------------------------


def test_capital_financing_for_thurrock_by_hand(content):
    # Prudential file, Thurrock 2017-18: prucfrstrt-amt 341,992, prucfrend-amt 693,764,
    # prurpyrevmrp-amt 0; 2018-19: 692,934, 1,157,244 and 2,811. RS 2017-18 rs805 = 107,284.
    capital = content["england-capital"]
    assert value(capital, THURROCK, "fin-cfr", "2017-18")["value"] == 693764.0
    to_nre = value(capital, THURROCK, "fin-cfr-to-nre", "2017-18")
    assert to_nre["value"] == pytest.approx(693764 / 107284 * 100)
    growth = value(capital, THURROCK, "fin-cfr-growth", "2018-19")
    assert growth["value"] == pytest.approx((1157244 - 692934) / 692934 * 100)
    mrp = value(capital, THURROCK, "fin-mrp-to-cfr", "2018-19")
    assert mrp["value"] == pytest.approx(2811 / 692934 * 100)
    assert value(capital, THURROCK, "fin-mrp-to-cfr", "2017-18")["value"] == 0.0
    # 2019-20 and 2020-21 have no provision in the return: no rate, rather than zero.
    assert periods(capital, THURROCK, "fin-mrp-to-cfr") == ["2017-18", "2018-19"]
    assert periods(capital, THURROCK, "fin-cfr-to-nre") == ["2017-18"]
    to_csp = value(capital, THURROCK, "fin-cfr-to-csp", "2020-21")
    assert to_csp["value"] == pytest.approx(1313220 / 123460 * 100)


# --- core spending power -----------------------------------------------------------------------


def test_spending_power_per_head_and_change_for_thurrock_by_hand(content):
    # Spending power file, Thurrock: 2020 = 116.13, 2021 = 123.46 (£ million). Pike et al.,
    # Thurrock population_2018 = 172,525.
    csp = content["england-spending-power"]
    assert value(csp, THURROCK, "fin-csp", "2020-21")["value"] == 123.46
    per_head = value(csp, THURROCK, "fin-csp-per-head", "2020-21")
    assert per_head["denominator"] == 172525.0
    assert per_head["value"] == pytest.approx(123.46e6 / 172525)
    change = value(csp, THURROCK, "fin-csp-change", "2020-21")
    assert change["value"] == pytest.approx((123.46 - 116.13) / 116.13 * 100)
    assert periods(csp, THURROCK, "fin-csp")[0] == "2011-12"
    assert periods(csp, THURROCK, "fin-csp-change")[0] == "2012-13"


# --- commercial exposure -----------------------------------------------------------------------


def test_interest_income_per_head_agrees_with_the_published_per_head(content):
    # Pike et al., Adur: interest_and_investment_income_gbp_2019_20 = 207,000, population_2018
    # = 63,869, and their own per-head column reads 3.24100894.
    commercial = content["england-commercial"]
    adur = value(commercial, ADUR, "fin-interest-income-per-head", "2019-20")
    assert adur["value"] == pytest.approx(207000 / 63869) == pytest.approx(3.24100894)
    # Thurrock: 49,928,000 against spending power 2019-20 of 116.13 million.
    to_csp = value(commercial, THURROCK, "fin-interest-income-to-csp", "2019-20")
    assert to_csp["value"] == pytest.approx(49928000 / 116130000 * 100)


def test_trading_surplus_per_head_by_hand(content):
    # Trading accounts, Woking: Trading_201819 = -3,332 (£ thousand; a surplus is negative
    # there), Population_2018 = 101,167: a surplus of £32.94 a head.
    commercial = content["england-commercial"]
    woking = value(commercial, WOKING, "fin-trading-surplus-per-head", "2018-19")
    assert woking["numerator"] == 3332000.0
    assert woking["value"] == pytest.approx(3332000 / 101167) == pytest.approx(32.9356, abs=1e-4)
    # "Telford and the Wrekin UA" is Pike et al.'s "Telford and Wrekin".
    assert periods(commercial, TELFORD, "fin-trading-surplus-per-head") == [
        "2016-17",
        "2017-18",
        "2018-19",
    ]
    # Footnoted names (reorganised councils) are left out, not guessed.
    assert PURBECK not in set(commercial.values["gss_code"])
    assert any("Purbeck**" in s for s in commercial.skipped)


# --- RA budget unit costs ----------------------------------------------------------------------


def test_budget_unit_costs_by_hand_and_only_for_councils_responsible(content):
    # RA 2016-17, Thurrock: ra360 adult social care 32,947; ra581 waste collection 5,574;
    # Woking: ra581 1,323, ra360 1,095. Populations 172,525 and 101,167.
    budget = content["england-budget"]
    adults = value(budget, THURROCK, "fin-ra-adult-care-per-head", "2016-17")
    assert (adults["numerator"], adults["denominator"]) == (32947000.0, 172525.0)
    assert adults["value"] == pytest.approx(32947000 / 172525)
    waste = value(budget, WOKING, "fin-ra-waste-collection-per-head", "2016-17")
    assert waste["value"] == pytest.approx(1323000 / 101167)
    # A district runs no adult social care, whatever a stray line says.
    assert not periods(budget, WOKING, "fin-ra-adult-care-per-head")
    # North Yorkshire's 2016-17 budget carries the wrong code and is stored under the right one;
    # a county collects no waste.
    assert periods(budget, NORTH_YORKSHIRE, "fin-ra-adult-care-per-head") == ["2016-17"]
    assert not periods(budget, NORTH_YORKSHIRE, "fin-ra-waste-collection-per-head")


def test_budget_needs_a_population_it_can_justify(content):
    budget = content["england-budget"]
    # Purbeck was abolished before Pike et al.'s population year; no figure per head.
    assert PURBECK not in set(budget.values["gss_code"])
    assert any("Purbeck" in s for s in budget.skipped)


# --- through the import, on the database -------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_dataset", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_import_compares_each_period_within_the_councils_that_existed(sliced):
    output = run("england-borrowing", "--data-dir", str(sliced))
    assert "Metrics: 8 created" in output
    stored = Value.objects.filter(metric__code="fin-external-debt")
    assert stored.get(council__gss_code=PURBECK, period="2018-19").value == 0.0
    assert not stored.filter(council__gss_code=DORSET_COUNCIL, period="2018-19").exists()

    def members(period):
        return set(stored.filter(period=period).values_list("council__gss_code", flat=True))

    assert {PURBECK, BOURNEMOUTH} <= members("2018-19")
    assert not {PURBECK, BOURNEMOUTH} & members("2019-20")
    assert {DORSET_COUNCIL, BCP} <= members("2019-20")
    for period in ("2018-19", "2019-20"):
        statistic = ComparisonStatistic.objects.get(
            metric__code="fin-external-debt", period=period, group="all", audience="public"
        )
        assert statistic.n == len(members(period))
    # A second run is recognised as unchanged; forced, it changes nothing.
    assert "not imported again" in run("england-borrowing", "--data-dir", str(sliced))
    forced = run("england-borrowing", "--data-dir", str(sliced), "--force")
    assert "Values: 0 created, 0 updated" in forced


@pytest.mark.django_db
def test_a_malformed_file_is_refused_with_nothing_written(sliced, tmp_path):
    broken = make_slice(tmp_path / "broken")
    raw = _csv(broken / england_borrowing.BORROWING)
    raw.loc[raw.index[3], "total_all_categories"] = "12,000 approx"
    raw.to_csv(broken / england_borrowing.BORROWING, index=False)
    with pytest.raises(CommandError) as raised:
        run("england-borrowing", "--data-dir", str(broken))
    assert "nothing changed" in str(raised.value)
    assert "'12,000 approx' is not a number" in str(raised.value)
    assert not Metric.objects.filter(dataset="england-borrowing").exists()
    assert not Value.objects.filter(metric__code__startswith="fin-debt").exists()


@pytest.mark.django_db
def test_rs_files_that_do_not_line_up_are_refused(tmp_path):
    broken = make_slice(tmp_path / "broken")
    raw = _csv(broken / england_rs.EARLIER).rename(
        columns={"rs805_net_revenue_expenditure": "rs805"}
    )
    raw.to_csv(broken / england_rs.EARLIER, index=False)
    with pytest.raises(CommandError, match="must have the same columns"):
        run("england-rs", "--data-dir", str(broken))
    assert not Value.objects.filter(metric__dataset="england-rs").exists()
