"""The AsyncAPI document and the payload types in shared/events say the same: each message's `data`
has the type's fields, the type's required fields among its own, null allowed exactly where the type
allows None, and the values the type allows where it names them (a `Literal`), nested objects (the
step, the procedure snapshot) included. The services build and read events with those types, so the
document describes what is sent (tests/platform/test_asyncapi.py: that every event has its message,
and that the events the services build are valid under it)."""

from typing import Any

import pytest

from shared.events.fields import Payload
from shared.events.registry import PAYLOADS
from tests.platform.asyncapi_document import DOCUMENT, follow

# A field: whether it may be null, the values it may take when they are named, and the fields inside it
# when it is an object with its own.
Shape = dict[str, tuple[bool, frozenset[Any] | None, "Shape | None"]]


def _object(schema: dict[str, Any], root: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The properties and required names of an object schema, its `allOf` parts merged."""
    schema = follow(schema, root)
    properties = dict(schema.get("properties", {}))
    required = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, needed = _object(part, root)
        properties |= more
        required |= needed
    return properties, required


def _nullable_and_inner(schema: dict[str, Any], root: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    schema = follow(schema, root)
    kinds = schema.get("type")
    if isinstance(kinds, list) and "null" in kinds:
        return True, schema
    options = schema.get("anyOf", [])
    if any(follow(o, root).get("type") == "null" for o in options):
        inner = next(o for o in options if follow(o, root).get("type") != "null")
        return True, follow(inner, root)
    return False, schema


def _values(schema: dict[str, Any]) -> frozenset[Any] | None:
    """The values a field may take when the schema names them (null aside: `_nullable_and_inner`)."""
    if "const" in schema:
        return frozenset([schema["const"]])
    if "enum" in schema:
        return frozenset(value for value in schema["enum"] if value is not None)
    return None


def _shape(schema: dict[str, Any], root: dict[str, Any]) -> tuple[Shape, set[str]]:
    properties, required = _object(schema, root)
    shape: Shape = {}
    for name, field in properties.items():
        nullable, inner = _nullable_and_inner(field, root)
        nested = _shape(inner, root)[0] if "properties" in inner or "allOf" in inner else None
        shape[name] = (nullable, _values(inner), nested)
    return shape, required


def _message_data(name: str) -> dict[str, Any]:
    messages = {m["name"]: m for m in DOCUMENT["components"]["messages"].values()}
    message = messages[f"vn.motcua.{name}.v1"]
    _envelope, own = message["payload"]["allOf"]
    data: dict[str, Any] = own["properties"]["data"]
    return data


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_the_message_says_what_the_payload_type_sends(name: str) -> None:
    payload: type[Payload] = PAYLOADS[name]
    typed = payload.model_json_schema(mode="serialization")
    typed_shape, typed_required = _shape(typed, typed)
    documented_shape, documented_required = _shape(_message_data(name), DOCUMENT)
    assert documented_shape == typed_shape
    assert typed_required <= documented_required <= set(documented_shape)
