"""A small JSON Schema checker for the keywords X's request schemas use.

The fakes cannot depend on ``jsonschema`` (a test-only dependency), and they
need X-style messages ("$.text: integer found, string expected") anyway.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["validate"]

_JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _is_type(value: Any, expected: str) -> bool:
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    py = _JSON_TYPES.get(expected)
    return py is not None and isinstance(value, py)


def validate(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Return the violations of ``schema`` by ``value`` (empty when valid)."""
    errors: list[str] = []
    if "anyOf" in schema:
        if all(validate(value, sub, where) for sub in schema["anyOf"]):
            errors.append(f"{where}: should be valid to any of the schemas")
        return errors
    expected = schema.get("type")
    if isinstance(expected, str) and not _is_type(value, expected):
        return [f"{where}: {_type_name(value)} found, {expected} expected"]
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"])
        errors.append(f"{where}: does not have a value in the enumeration [{allowed}]")
    if isinstance(value, str):
        pattern = schema.get("pattern")
        if pattern is not None and not re.search(pattern, value):
            errors.append(f"{where}: does not match the regex pattern {pattern}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where}: may only be {schema['maxLength']} characters long")
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{where}: must be at least {schema['minLength']} characters long")
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: must have a minimum value of {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: must have a maximum value of {schema['maximum']}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(
                f"{where}: there must be a minimum of {schema['minItems']} items in the array"
            )
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(
                f"{where}: there must be a maximum of {schema['maxItems']} items in the array"
            )
        if schema.get("uniqueItems") and len({repr(v) for v in value}) != len(value):
            errors.append(f"{where}: the items in the array must be unique")
        items = schema.get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value):
                errors.extend(validate(item, items, f"{where}[{index}]"))
    if isinstance(value, dict):
        properties: dict[str, Any] = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}.{name}: is missing but it is required")
        for name, item in value.items():
            if name in properties:
                errors.extend(validate(item, properties[name], f"{where}.{name}"))
            elif schema.get("additionalProperties") is False:
                errors.append(
                    f"{where}.{name}: is not defined in the schema and the schema does not"
                    " allow additional properties"
                )
    return errors
