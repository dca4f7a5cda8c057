"""Keyset cursors round-trip, and anything else is a 422 problem with code `invalid_cursor`."""

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from shared.cursors import decode_int_cursor, decode_uuid_cursor, encode_cursor
from shared.errors import Problem

DUE = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=7)))


def _token(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_a_uuid_cursor_round_trips_and_is_url_safe() -> None:
    key = uuid4()
    token = encode_cursor(DUE, key)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_uuid_cursor(token) == (DUE, key)


def test_an_int_cursor_round_trips() -> None:
    assert decode_int_cursor(encode_cursor(DUE.astimezone(UTC), 42)) == (DUE, 42)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not base64!",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        _token({"due": "2025-03-14"}),
        _token(["2025-03-14T09:30:00+07:00"]),
        _token(["yesterday", str(UUID(int=1))]),
        _token(["2025-03-14T09:30:00", str(UUID(int=1))]),  # naive: not ours
        _token(["2025-03-14T09:30:00+07:00", "not-a-uuid"]),
        _token(["2025-03-14T09:30:00+07:00", 7]),
    ],
)
def test_a_uuid_cursor_this_api_did_not_give_is_422(token: str) -> None:
    with pytest.raises(Problem) as caught:
        decode_uuid_cursor(token)
    assert (caught.value.status, caught.value.code) == (422, "invalid_cursor")


@pytest.mark.parametrize(
    "token",
    [_token(["2025-03-14T09:30:00+07:00", "7"]), _token(["2025-03-14T09:30:00+07:00", True]), "%%%"],
)
def test_an_int_cursor_this_api_did_not_give_is_422(token: str) -> None:
    with pytest.raises(Problem) as caught:
        decode_int_cursor(token)
    assert caught.value.code == "invalid_cursor"


@pytest.mark.parametrize(
    "token",
    [
        _token(["2025-03-14T09:30:00+07:00", 2**70]),  # past bigint: the database would refuse it
        _token(["2025-03-14T09:30:00+07:00", 2**63]),
        _token(["2025-03-14T09:30:00+07:00", -1]),
        _token(["9999-12-31T23:59:59-05:00", 7]),  # past datetime's range once in UTC
        _token(["0001-01-01T00:00:00+07:00", 7]),
    ],
)
def test_a_forged_int_cursor_outside_the_bounds_is_422(token: str) -> None:
    with pytest.raises(Problem) as caught:
        decode_int_cursor(token)
    assert (caught.value.status, caught.value.code) == (422, "invalid_cursor")


@pytest.mark.parametrize(
    "due", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+07:00", "2201-01-01T00:00Z"]
)
def test_a_forged_uuid_cursor_with_a_time_outside_the_bounds_is_422(due: str) -> None:
    with pytest.raises(Problem) as caught:
        decode_uuid_cursor(_token([due, str(UUID(int=1))]))
    assert (caught.value.status, caught.value.code) == (422, "invalid_cursor")


def test_the_largest_bigint_id_is_still_a_cursor() -> None:
    assert decode_int_cursor(encode_cursor(DUE, 2**63 - 1))[1] == 2**63 - 1
