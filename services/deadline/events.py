"""The data of deadline's events, built in one place (the catalogue: docs/events.md).

Dossier events start with the dossier's identity, whose `agency_code` is the LEAD agency; the
agency the event concerns (a step's, or the lead's for the dossier's clock) is the subject token and,
for step events, `step_agency_code`. Times are UTC ISO 8601. No personal data.
"""

from datetime import UTC, date, datetime
from typing import Any

# Every event deadline emits; the catalogue documents each (tests/deadline/test_docs.py holds them).
EMITTED = (
    "dossier.due_soon",
    "dossier.overdue",
    "dossier.extension_granted",
    "dossier.extension_denied",
    "dossier.apology_issued",
    "catalog.calendar.override_set",
    "catalog.calendar.override_removed",
)


def utc(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def identity(row: Any) -> dict[str, Any]:
    """Which dossier, from a `dossiers` or `clocks` row (`dossier_id`, `code`, `portal_id`,
    `lead_agency_code`)."""
    return {
        "dossier_id": str(row.dossier_id),
        "code": row.code,
        "portal_id": row.portal_id,
        "agency_code": row.lead_agency_code,
    }


def _about_clock(clock: Any) -> dict[str, Any]:
    step = clock.scope == "step"
    return {
        **identity(clock),
        "scope": clock.scope,
        "step_id": str(clock.step_id) if step else None,
        "step_agency_code": clock.agency_code,
    }


def due_soon(*, clock: Any, warned_at: datetime, hours_before: int) -> dict[str, Any]:
    """`dossier.due_soon` (sắp đến hạn): a `clocks` row whose `warn_at` has come."""
    return {
        **_about_clock(clock),
        "due_at": utc(clock.due_at),
        "warned_at": utc(warned_at),
        "hours_before": hours_before,
    }


def overdue(*, clock: Any, overdue_at: datetime) -> dict[str, Any]:
    """`dossier.overdue` (quá hạn): a `clocks` row whose `due_at` has passed."""
    return {**_about_clock(clock), "due_at": utc(clock.due_at), "overdue_at": utc(overdue_at)}


def extension_granted(
    *,
    identity: dict[str, Any],
    step_id: Any,
    step_agency_code: str,
    reason: str,
    original_due_at: datetime | None,
    due_at: datetime,
    new_due_at: datetime,
    decided_at: datetime,
) -> dict[str, Any]:
    """`dossier.extension_granted`: `reason` is the request's; `due_at` is the due extended (after
    pauses), `original_due_at` the step's first due, never changed."""
    return {
        **identity,
        "step_id": str(step_id),
        "step_agency_code": step_agency_code,
        "reason": reason,
        "original_due_at": utc(original_due_at),
        "due_at": utc(due_at),
        "new_due_at": utc(new_due_at),
        "decided_at": utc(decided_at),
    }


def extension_denied(
    *,
    identity: dict[str, Any],
    step_id: Any,
    step_agency_code: str,
    code: str,
    text: str,
    decided_at: datetime,
) -> dict[str, Any]:
    """`dossier.extension_denied`: `reason` is the stable code (after_due, no_reason, not_a_leader,
    already_extended), `reason_text` says it to a person."""
    return {
        **identity,
        "step_id": str(step_id),
        "step_agency_code": step_agency_code,
        "reason": code,
        "reason_text": text,
        "decided_at": utc(decided_at),
    }


def override_set(*, day: date, working: bool, reason: str, set_at: datetime) -> dict[str, Any]:
    """`catalog.calendar.override_set`: a day made a day off, or a working day, by the centre's admin."""
    return {"day": day.isoformat(), "working": working, "reason": reason, "set_at": utc(set_at)}


def override_removed(*, day: date, removed_at: datetime) -> dict[str, Any]:
    """`catalog.calendar.override_removed`: the day is decided by the official calendar again."""
    return {"day": day.isoformat(), "removed_at": utc(removed_at)}
