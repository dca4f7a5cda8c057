"""Keyset-page cursors for lists in due order: an opaque token of the last row's (due time, id).

The token is URL-safe base64 of JSON, so a client treats it as a string and passes it back; any token
this API did not give is 422 `invalid_cursor`, never a 500: that includes a well-formed token holding
an id past bigint or a time outside the range inputs are held to (`shared.inputs`), which the database
would refuse or datetime would overflow on.
"""

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from shared.errors import Problem
from shared.inputs import BIGINT_MAX, within_bounds

_ERRORS = (binascii.Error, ValueError, TypeError, UnicodeDecodeError)


def encode_cursor(due_at: datetime, key: UUID | int) -> str:
    raw = json.dumps([due_at.isoformat(), key if isinstance(key, int) else str(key)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_uuid_cursor(cursor: str) -> tuple[datetime, UUID]:
    """(due time, id) of a cursor over rows keyed by UUID."""
    at, key = _parts(cursor)
    if not isinstance(key, str):
        raise _invalid()
    try:
        return at, UUID(key)
    except ValueError as exc:
        raise _invalid() from exc


def decode_int_cursor(cursor: str) -> tuple[datetime, int]:
    """(due time, id) of a cursor over rows keyed by an integer."""
    at, key = _parts(cursor)
    if not isinstance(key, int) or isinstance(key, bool) or not 0 <= key <= BIGINT_MAX:
        raise _invalid()
    return at, key


def _parts(cursor: str) -> tuple[datetime, object]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due, key = json.loads(raw)
        at = datetime.fromisoformat(due)
    except _ERRORS as exc:
        raise _invalid() from exc
    if at.tzinfo is None or not within_bounds(at):
        raise _invalid()
    return at, key


def _invalid() -> Problem:
    return Problem(422, "invalid_cursor", "The cursor is not one this API gave; start again without it.")
