"""The API's documentation page, read from the same OpenAPI schema clients use.

A server-rendered GOV.UK page rather than a JavaScript viewer, so it works under the
portal's strict content security policy and passes the same accessibility checks.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from drf_spectacular.generators import SchemaGenerator


@dataclass
class Parameter:
    name: str
    where: str
    required: bool
    description: str
    choices: list[str]


@dataclass
class Field:
    name: str
    type: str
    description: str


@dataclass
class Endpoint:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return (
            f"{self.method}-{self.path}".lower()
            .strip("/")
            .replace("/", "-")
            .replace("{", "")
            .replace("}", "")
        )


def _resolve(schema: dict, components: dict) -> dict:
    ref = schema.get("$ref") or (schema.get("allOf") or [{}])[0].get("$ref")
    if ref:
        return components.get(ref.rsplit("/", 1)[-1], {})
    return schema


def _type(schema: dict, components: dict) -> str:
    ref = schema.get("$ref") or (schema.get("allOf") or [{}])[0].get("$ref")
    if ref:
        target = components.get(ref.rsplit("/", 1)[-1], {})
        if "enum" in target:
            return "one of " + ", ".join(str(v) for v in target["enum"] if v)
        return "object"
    kind = schema.get("type", "object")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}), components)}"
    return kind + (" or null" if schema.get("nullable") else "")


def _fields(response: dict, components: dict) -> list[Field]:
    content = response.get("content", {}).get("application/json", {})
    schema = _resolve(content.get("schema", {}), components)
    if "results" in schema.get("properties", {}):  # a paginated list: describe one item
        schema = _resolve(schema["properties"]["results"].get("items", {}), components)
    return [
        Field(name, _type(prop, components), prop.get("description", "").split("\n\n")[0])
        for name, prop in schema.get("properties", {}).items()
    ]


@lru_cache(maxsize=1)
def endpoints() -> list[Endpoint]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            parameters = [
                Parameter(
                    p["name"],
                    p["in"],
                    p.get("required", False),
                    p.get("description", ""),
                    [str(c) for c in p.get("schema", {}).get("enum", []) if c],
                )
                for p in operation.get("parameters", [])
            ]
            ok = next((r for code, r in operation["responses"].items() if code.startswith("2")), {})
            found.append(
                Endpoint(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    parameters=parameters,
                    fields=_fields(ok, components),
                )
            )
    return found
