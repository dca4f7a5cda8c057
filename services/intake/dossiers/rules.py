"""The rules of a received dossier as pure functions: its code, its appointment date and its look-up
secret. No I/O and no clock reads: the day, the time and the calendar are arguments."""

import hashlib
import hmac
import secrets
from datetime import date, datetime
from typing import Any

from shared.calendar import DueResult, WorkingCalendar, due_at

# No 0/O or 1/I/L: the secret is read off paper and typed by a citizen.
_SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # noqa: S105 - an alphabet, not a password
SECRET_LENGTH = 8


def dossier_code(unit_code: str, day: date, number: int) -> str:
    """`<receiving unit>-<yyMMdd>-<NNNN>`: the receipt date in Vietnam and the unit's counter that day."""
    return f"{dossier_code_prefix(unit_code, day)}{number:04d}"


def dossier_code_prefix(unit_code: str, day: date) -> str:
    """A dossier code up to its number: what is known before the day's counter gives the number."""
    return f"{unit_code}-{day:%y%m%d}-"


def appointment(
    received_at: datetime, procedure: Any, *, online: bool, calendar: WorkingCalendar
) -> DueResult:
    """The appointment date on a receipt (ngày hẹn trả kết quả), counted from the receipt in the
    procedure's kind of days; online may have a shorter time. The calendar carries the admin
    overrides (days off, working Saturdays) that the deadline service owns (`services.intake.calendar`)."""
    days = procedure.online_processing_days if online and procedure.online_processing_days else None
    return due_at(
        received_at,
        days or procedure.processing_days,
        calendar=calendar,
        kind=procedure.day_kind,
        same_day=procedure.same_day,
        cutoff=procedure.cutoff,
    )


def received_across_boundary(unit_code: str, agency_unit_code: str | None) -> bool:
    """Received regardless of administrative boundary (không phụ thuộc địa giới hành chính): the
    receiving unit is not the unit of the procedure's lead agency. An agency whose unit is unknown
    counts as not across."""
    return bool(agency_unit_code) and agency_unit_code != unit_code


def new_lookup_secret() -> str:
    # The digits, in base 31, of one 128-bit draw: one call to the system's random source, not one a
    # character (3 µs, not 12, issue #17); the bias is below 2**-88.
    draw, digits = secrets.randbits(128), []
    for _ in range(SECRET_LENGTH):
        draw, digit = divmod(draw, len(_SECRET_ALPHABET))
        digits.append(_SECRET_ALPHABET[digit])
    return "".join(digits)


def secret_key(secret: str) -> str:
    """The secret as hashed: as printed, whatever the citizen's spaces and case."""
    return secret.strip().upper()


def hash_lookup_secret(code: str, secret: str) -> str:
    """Stored instead of the secret; keyed by the dossier code so equal secrets hash differently.
    (`numbering.RECEIVE` computes the same in SQL, where the code is made.)"""
    return hashlib.sha256(f"{code}:{secret_key(secret)}".encode()).hexdigest()


def lookup_secret_matches(code: str, secret: str, stored_hash: str | None) -> bool:
    return stored_hash is not None and hmac.compare_digest(hash_lookup_secret(code, secret), stored_hash)
