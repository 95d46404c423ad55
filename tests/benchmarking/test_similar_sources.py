"""Similar councils are worked out again when a file they are worked out from changes, and
only then: the files' fingerprint is recorded beside the datasets' import records."""

import io
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command

from benchmarking.context import SOURCE_FILES
from benchmarking.families import SIMILAR_COUNCILS_SOURCES, sources_fingerprint
from benchmarking.management.commands import similar_councils as command
from benchmarking.models import CouncilContext, DatasetImport, SimilarCouncil

HARTLEPOOL = "E06000001"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data folder of the real register and context files, the census file a copy that a
    test may change; the command reads it."""
    real = settings.BASE_DIR / "data"
    for path in SOURCE_FILES.values():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).symlink_to(real / path)
    census = tmp_path / SOURCE_FILES["census"]
    census.unlink()
    shutil.copy(real / SOURCE_FILES["census"], census)
    monkeypatch.setattr(command, "DATA_DIR", tmp_path)
    return tmp_path


def similar_councils() -> str:
    """Run the command as the seed does; what it said."""
    said = io.StringIO()
    call_command("similar_councils", stderr=said)
    return said.getvalue()


def hartlepool_over_65_raised(census) -> float:
    """Raise Hartlepool's share of residents aged 65 and over in the census file by ten
    points; the new share."""
    lines = census.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].strip().split(",")
    column = header.index("pct_over65_2021")
    for n, line in enumerate(lines):
        if line.startswith(f"{HARTLEPOOL},"):
            fields = line.rstrip("\n").split(",")
            raised = float(fields[column]) + 10
            fields[column] = f"{raised:.2f}"
            lines[n] = ",".join(fields) + "\n"
    census.write_text("".join(lines), encoding="utf-8")
    return raised


def over_65() -> float:
    return CouncilContext.objects.get(council__gss_code=HARTLEPOOL).figures["pct_over_65"]


def test_similar_councils_are_worked_out_again_only_when_a_context_file_changes(db, data_dir):
    assert "Similar councils stored" in similar_councils()
    record = DatasetImport.objects.get(name=SIMILAR_COUNCILS_SOURCES)
    assert record.fingerprint == sources_fingerprint(data_dir)
    pairs = SimilarCouncil.objects.count()
    assert pairs

    # Unchanged files: nothing is worked out or stored again.
    said = similar_councils()
    assert "not worked out again" in said
    assert "Similar councils stored" not in said
    assert DatasetImport.objects.get(name=SIMILAR_COUNCILS_SOURCES).imported_at == (
        record.imported_at
    )

    # A changed context file: worked out again from what it now says.
    before = over_65()
    raised = hartlepool_over_65_raised(data_dir / SOURCE_FILES["census"])
    assert raised != pytest.approx(before)
    assert "Similar councils stored" in similar_councils()
    assert over_65() == pytest.approx(raised)
    assert DatasetImport.objects.get(name=SIMILAR_COUNCILS_SOURCES).fingerprint == (
        sources_fingerprint(data_dir)
    )
    assert sources_fingerprint(data_dir) != record.fingerprint
    assert "not worked out again" in similar_councils()
