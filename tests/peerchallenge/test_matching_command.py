"""The match_peers command, end to end on files written by the round generator
(scripts/bench generate_instance)."""

import json

import pytest
from django.core.management import CommandError, call_command

from peerchallenge.matching import check_solution
from scripts.bench import generate_instance


def test_generate_then_match(tmp_path):
    """A generated round is solved and the output file holds the assignment, the score, the
    proven bound, the gap, the time, the status and the unstaffed challenges."""
    instance = tmp_path / "round.json"
    output = tmp_path / "out.json"
    call_command(
        generate_instance.Command(), "--challenges", "5", "--peers", "60", "--seed", "3",
        "--output", str(instance),
    )  # fmt: skip
    call_command("match_peers", "--instance", str(instance), "--output", str(output))
    result = json.loads(output.read_text())
    assert set(result) == {
        "assignments", "objective", "bound", "gap", "seconds", "status", "unstaffed",
    }  # fmt: skip
    assert result["status"] == "optimal"
    assert result["objective"] == result["bound"]
    data = json.loads(instance.read_text())
    assert check_solution(data, result["assignments"]) == []
    assert set(result["assignments"]) | set(result["unstaffed"]) == {
        c["id"] for c in data["challenges"]
    }


def test_time_limit_is_accepted(tmp_path):
    instance = tmp_path / "round.json"
    output = tmp_path / "out.json"
    call_command(
        generate_instance.Command(), "--challenges", "3", "--peers", "40", "--output", str(instance)
    )
    call_command(
        "match_peers", "--instance", str(instance), "--output", str(output), "--time-limit", "20"
    )
    assert json.loads(output.read_text())["status"] in {"optimal", "time_limit"}


def test_bad_instance_writes_nothing(tmp_path):
    """A file with problems is refused with every problem listed, and no output appears."""
    instance = tmp_path / "round.json"
    output = tmp_path / "out.json"
    call_command(
        generate_instance.Command(), "--challenges", "3", "--peers", "40", "--output", str(instance)
    )
    data = json.loads(instance.read_text())
    data["peers"][0]["council"] = "nowhere"
    data["challenges"][0]["week"] = 99
    instance.write_text(json.dumps(data))
    with pytest.raises(CommandError) as error:
        call_command("match_peers", "--instance", str(instance), "--output", str(output))
    assert "is not in the councils" in str(error.value)
    assert "week must be" in str(error.value)
    assert not output.exists()


def test_unreadable_files_are_refused(tmp_path):
    output = tmp_path / "out.json"
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("match_peers", "--instance", str(broken), "--output", str(output))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "match_peers", "--instance", str(tmp_path / "missing.json"), "--output", str(output)
        )
    assert not output.exists()
