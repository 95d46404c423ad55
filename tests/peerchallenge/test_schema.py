"""The exchange format's JSON Schemas: valid schemas, met by what the portal writes, and
reporting each problem in the format's own words."""

import copy

import jsonschema
import pytest

from peerchallenge import matching, schema
from scripts.bench import generator


@pytest.mark.parametrize("name", ["matching-instance", "matching-solution"])
def test_each_schema_is_a_valid_draft_2020_12_schema(name):
    jsonschema.Draft202012Validator.check_schema(schema.schema(name))


def test_a_generated_instance_and_its_solution_meet_the_schemas():
    inst = generator.generate(challenges=4, peers=40, seed=3)
    jsonschema.validate(inst, schema.schema("matching-instance"))
    solution = matching.solve(inst).to_json()
    jsonschema.validate(solution, schema.schema("matching-solution"))
    assert list(schema.problems(solution, "matching-solution", where=str)) == []


def test_a_missing_property_is_reported_in_its_own_words():
    inst = copy.deepcopy(generator.generate(challenges=2, peers=10, seed=1))
    peer = inst["peers"][0]
    del peer["capacity_days"]
    assert f"Peer {peer['id']}: capacity_days must be a number, 0 or more." in (
        matching.validate_instance(inst)
    )


def test_a_whole_number_is_an_integer_not_a_float_nor_a_boolean():
    inst = copy.deepcopy(generator.generate(challenges=2, peers=10, seed=1))
    inst["current_year"] = 2025.0
    assert matching.validate_instance(inst) == ['"current_year" must be a whole number.']
    inst["current_year"] = True
    assert matching.validate_instance(inst) == ['"current_year" must be a whole number.']


def test_not_a_number_is_no_number_of_days():
    inst = copy.deepcopy(generator.generate(challenges=2, peers=10, seed=1))
    council = inst["councils"][0]
    council["peer_days_given_3y"] = float("nan")
    assert matching.validate_instance(inst) == [
        f"Council {council['id']}: peer_days_given_3y must be a number of days, 0 or more."
    ]


def test_an_item_without_an_id_is_reported_alone():
    inst = copy.deepcopy(generator.generate(challenges=2, peers=10, seed=1))
    inst["challenges"][1] = {"week": 99}
    assert matching.validate_instance(inst) == ["Challenge 2 needs an id (text)."]


def test_a_solution_names_the_challenge_of_a_bad_team():
    problems = list(
        schema.problems(
            {"assignments": {"c7": ["p1", False]}, "score": 10},
            "matching-solution",
            where=lambda path: f"Challenge {path[1]}",
        )
    )
    assert [p.message for p in problems] == ["Challenge c7: every peer needs an id."]


def test_an_instance_changed_after_a_check_is_checked_again():
    """Answers are kept by the instance's JSON text, so a change is never missed."""
    inst = copy.deepcopy(generator.generate(challenges=2, peers=10, seed=4))
    assert matching.validate_instance(inst) == []
    inst["peers"][0]["capacity_days"] = -1
    assert matching.validate_instance(inst) == [
        f"Peer {inst['peers'][0]['id']}: capacity_days must be a number, 0 or more."
    ]
    inst["peers"][0]["capacity_days"] = 5
    assert matching.validate_instance(inst) == []
