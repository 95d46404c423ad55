"""`calibrate_risk` works the resilience rule's thresholds out from the values the portal
holds and writes them, with how many council-years are behind each; with too little data it
writes nothing."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from benchmarking.models import Metric, SimilarCouncil, SimilarityKind, Source, Value
from selfreg.models import Council

YEARS = ["2012-13", "2013-14", "2014-15", "2015-16", "2016-17", "2017-18"]


@pytest.fixture
def reserves(db):
    """41 unitary councils, each with the next 5 as its similar councils, and six years of
    reserves ÷ NRE: 246 council-years."""
    councils = list(Council.objects.filter(gss_code__startswith="E06").order_by("gss_code")[:41])
    assert len(councils) == 41
    metric = Metric.objects.create(
        code="fin-reserves-to-nre", title="Reserves", element="cost", unit="%"
    )
    for i, council in enumerate(councils):
        for k in range(1, 6):
            SimilarCouncil.objects.create(
                council=council,
                neighbour=councils[(i + k) % 41],
                kind=SimilarityKind.FINANCE,
                rank=k,
                distance=k,
            )
        for j, period in enumerate(YEARS):
            value = Value(
                council=council,
                metric=metric,
                value=5 + (i * 7 + j * 3) % 41,
                source=Source.DATASET,
                source_ref="england-rs",
            )
            value.set_period(period)
            value.save()


def test_thresholds_are_written_from_the_data(reserves, tmp_path):
    out = tmp_path / "calibrated.csv"
    stdout = io.StringIO()
    call_command("calibrate_risk", "--output", str(out), stdout=stdout)
    (row,) = list(csv.DictReader(out.open(encoding="utf-8")))
    assert row["indicator"] == "reserves-to-nre"
    assert int(row["council_years"]) == 246
    assert (row["first_year"], row["last_year"]) == ("2013", "2018")
    assert float(row["extreme_gap"]) > float(row["run_gap"])
    assert "Wrote 1 indicators' thresholds" in stdout.getvalue()


def test_dry_run_writes_nothing(reserves, tmp_path):
    out = tmp_path / "calibrated.csv"
    stdout = io.StringIO()
    call_command("calibrate_risk", "--output", str(out), "--dry-run", stdout=stdout)
    assert "reserves-to-nre: extreme gap" in stdout.getvalue()
    assert not out.exists()


def test_too_little_data_is_refused_and_nothing_written(db, tmp_path):
    out = tmp_path / "calibrated.csv"
    with pytest.raises(CommandError, match="Nothing written"):
        call_command("calibrate_risk", "--output", str(out), stdout=io.StringIO())
    assert not out.exists()
