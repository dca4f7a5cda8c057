"""`shared.inputs`: the one text type refuses what PostgreSQL cannot store or a printed form cannot
show, and the bounded dates and integers keep every later computation inside its range."""

import re
from datetime import time
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.inputs import BigInt, Day, FreeText, Instant, LocalTime, Text


@pytest.mark.parametrize("value", ["a\x00b", "a\tb", "a\nb", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b"])
def test_one_line_text_refuses_every_control_character(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Text).validate_python(value)
    assert caught.value.errors()[0]["type"] == "control_character"


def test_free_text_keeps_tabs_and_line_breaks_but_not_nul() -> None:
    assert TypeAdapter(FreeText).validate_python("Một\r\n\tHai") == "Một\r\n\tHai"
    with pytest.raises(ValidationError):
        TypeAdapter(FreeText).validate_python("Một\x00Hai")


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (Day, "0001-01-01"),
        (Day, "9999-12-31"),
        (Instant, "9999-12-31T23:00:00-05:00"),
        (Instant, "0001-01-01T00:00:00+07:00"),
        (Instant, "2021-06-18T08:30:00"),  # naive
        (BigInt, 2**63),
        (BigInt, -1),
    ],
)
def test_values_outside_the_bounds_are_refused(kind: Any, value: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(kind).validate_python(value)


def test_the_bounds_themselves_are_accepted() -> None:
    assert str(TypeAdapter(Day).validate_python("1900-01-01")) == "1900-01-01"
    assert TypeAdapter(Instant).validate_python("2200-12-31T23:59:59+07:00").year == 2200
    assert TypeAdapter(BigInt).validate_python(2**63 - 1) == 2**63 - 1


@pytest.mark.parametrize(("kind", "value"), [(Day, "0"), (Day, "1735689600"), (Instant, "1735689600")])
def test_a_number_is_not_read_as_seconds_since_1970(kind: Any, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(kind).validate_python(value)
    assert caught.value.errors()[0]["type"] == "iso_date"


def test_a_local_time_is_documented_without_the_offset_rfc3339_would_demand() -> None:
    assert TypeAdapter(LocalTime).validate_python("15:00") == time(15, 0)
    schema = TypeAdapter(LocalTime).json_schema()
    assert "format" not in schema
    assert re.fullmatch(schema["pattern"], "15:00:00")


def test_a_day_is_documented_as_a_json_schema_date_only() -> None:
    # Redocly refuses keys JSON Schema does not know, such as the `ge` and `le` pydantic wrote here.
    assert TypeAdapter(Day).json_schema() == {"type": "string", "format": "date"}
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Day).validate_python("1899-12-31")
    assert caught.value.errors()[0]["type"] == "date_out_of_range"
