"""JSON Schemas of the matching exchange format, and their problems in words.

`matching-instance.schema.json` describes a round as the matcher reads it
(docs/method/matching.md); `matching-solution.schema.json` an assignment of peers to
challenges. Each schema gives, with `errorMessage` beside a keyword (as ajv-errors does), the
words a problem is reported in: a string for every keyword of that part, or a mapping from
keyword to words. The words may name `{where}` (the item, as the caller names it), `{key}` (the
property or item the message belongs to), `{value}` (what the document holds there) and any
name the caller passes. Pure: no Django.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators

HERE = Path(__file__).resolve().parent
MISSING = object()


def _is_integer(_checker, value) -> bool:
    # A JSON number with a fraction of zero (2020.0) is not a whole number here.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(_checker, value) -> bool:
    # Python's json reads NaN and Infinity, which are no number of days or weights.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _is_integer, "number": _is_number}
    ),
)


@cache
def schema(name: str) -> dict:
    """The schema `name` (such as "matching-instance"), read once."""
    return json.loads((HERE / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def _validator(name: str):
    document = schema(name)
    Draft202012Validator.check_schema(document)
    return _Validator(document)


@dataclass(frozen=True)
class SchemaProblem:
    path: tuple  # where in the document, as keys and list indices
    message: str


# Keywords whose subschemas apply to one member of the instance: the step each adds to its path.
_MEMBER_STEPS = {"properties", "patternProperties", "additionalProperties", "items", "prefixItems"}


def _words(error, root: dict) -> tuple[Any, tuple]:
    """The nearest `errorMessage` above the failing keyword, and the path of the part of the
    document it describes."""
    node: Any = root
    path = tuple(error.absolute_path)
    depth = 0
    found = (root.get("errorMessage"), (), root)
    steps = list(error.absolute_schema_path)
    i = 0
    while i < len(steps) - 1:
        keyword = steps[i]
        if keyword in ("properties", "patternProperties", "prefixItems", "$defs"):
            node = node[keyword][steps[i + 1]]
            i += 2
        elif keyword in ("additionalProperties", "items", "contains", "not", "then", "else"):
            node = node[keyword]
            i += 1
        elif keyword in ("allOf", "anyOf", "oneOf"):
            node = node[keyword][steps[i + 1]]
            i += 2
            keyword = None
        else:
            break
        if keyword in _MEMBER_STEPS:
            depth += 1
        if isinstance(node, dict) and "errorMessage" in node:
            found = (node["errorMessage"], path[:depth], node)
    return found[0], found[1]


def _lookup(document, path: tuple):
    node = document
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return MISSING
    return node


def _message(words, keyword: str) -> str | None:
    if isinstance(words, dict):
        return words.get(keyword) or (words.get("type") if keyword == "required" else None)
    return words


def problems(
    document, name: str, *, where: Callable[[tuple], str], **names: Any
) -> Iterator[SchemaProblem]:
    """Every way `document` breaks the schema `name`, in the schema's own words. A property
    that is missing is reported in the words of that property, or else of the object that
    needs it. `where(path)` names the item
    a path falls in; `names` fill any other name the words use."""
    root = schema(name)
    for error in _validator(name).iter_errors(document):
        if error.validator == "required":
            missing = [p for p in error.validator_value if p not in error.instance]
            node = _lookup(root, ())  # the subschema holding `required`
            for step in error.absolute_schema_path:
                if step == "required":
                    break
                node = node[step]
            for prop in missing:
                words = _message(
                    node.get("properties", {}).get(prop, {}).get("errorMessage"), "required"
                )
                if words is None and isinstance(node.get("errorMessage"), str):
                    words = node["errorMessage"]
                path = (*error.absolute_path, prop)
                yield _problem(words, path, path, document, where, names, error)
            continue
        words, owner = _words(error, root)
        yield _problem(
            _message(words, error.validator),
            tuple(error.absolute_path),
            owner,
            document,
            where,
            names,
            error,
        )


def _problem(words, path, owner, document, where, names, error) -> SchemaProblem:
    if words is None:
        words = "{where}: " + error.message if where(path) else error.message
    value = _lookup(document, owner)
    text = words.format(
        where=where(path),
        key=owner[-1] if owner else "",
        value=None if value is MISSING else value,
        **names,
    )
    return SchemaProblem(tuple(path), text)
