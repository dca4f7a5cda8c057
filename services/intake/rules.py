"""The reception rules in code: pure functions, no I/O, no clock reads."""

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

# No 0/O or 1/I/L: the secret is read off paper and typed by a citizen.
_SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # noqa: S105 - an alphabet, not a password
SECRET_LENGTH = 8


def dossier_code(unit_code: str, day: date, number: int) -> str:
    """`<receiving unit>-<yyMMdd>-<NNNN>`: the receipt date in Vietnam and the unit's counter that day."""
    return f"{unit_code}-{day:%y%m%d}-{number:04d}"


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    name: str
    required: bool


def checklist(documents: Iterable[dict[str, Any]]) -> list[ChecklistItem]:
    """A procedure's `documents` (as stored and as events carry them) as checklist items."""
    return [ChecklistItem(d["code"], d["name"], d.get("required", True)) for d in documents]


def missing_documents(checklist: Sequence[ChecklistItem], provided: Iterable[str]) -> list[ChecklistItem]:
    """The one complete list of what is missing (form 02 must name everything at once)."""
    given = set(provided)
    return [item for item in checklist if item.required and item.code not in given]


def unknown_documents(checklist: Sequence[ChecklistItem], provided: Iterable[str]) -> list[str]:
    known = {item.code for item in checklist}
    return sorted(set(provided) - known)


def new_lookup_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def hash_lookup_secret(code: str, secret: str) -> str:
    """Stored instead of the secret; keyed by the dossier code so equal secrets hash differently."""
    return hashlib.sha256(f"{code}:{secret.strip().upper()}".encode()).hexdigest()


def lookup_secret_matches(code: str, secret: str, stored_hash: str | None) -> bool:
    return stored_hash is not None and hmac.compare_digest(hash_lookup_secret(code, secret), stored_hash)


def mask_phone(phone: str | None) -> str | None:
    """`0912345678` → `09******78`, for receipts and screens that must not show the whole number."""
    if not phone:
        return None
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]


def route_agencies(procedure: Any) -> set[str]:
    """The agencies a dossier of `procedure` is routed through: its lead agency and every step's;
    their officers and leaders may see the dossier (`shared.visibility`)."""
    return {procedure.agency_code, *(step["agency_code"] for step in procedure.route)}
