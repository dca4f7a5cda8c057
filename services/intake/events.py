"""The data of intake's dossier events, built in one place for live and imported dossiers alike.

Reception and the historical import emit the same events with the same shapes; an imported dossier's
events say `"imported": true`. Timestamps are sent in UTC (ISO 8601 with `+00:00`), as they are stored.
Personal data stays out: the applicant is a kind and a name, never an ID or phone number.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID


def utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def identity(
    *, dossier_id: UUID, code: str | None, portal_id: str | None, agency_code: str
) -> dict[str, Any]:
    """What every dossier event starts with: which dossier, and the lead agency its subject names."""
    return {"dossier_id": str(dossier_id), "code": code, "portal_id": portal_id, "agency_code": agency_code}


def received(
    *,
    identity: dict[str, Any],
    procedure: dict[str, Any],
    channel: str,
    service_level: int,
    unit_code: str,
    received_at: datetime,
    clock_started_at: datetime,
    due_at: datetime,
    applicant_kind: str,
    applicant_name: str,
    documents: list[str],
    imported: bool,
) -> dict[str, Any]:
    """`dossier.received` (tiếp nhận): carries the procedure snapshot so no consumer asks intake."""
    return {
        **identity,
        "procedure": procedure,
        "channel": channel,
        "service_level": service_level,
        "unit_code": unit_code,
        "received_at": utc(received_at),
        "clock_started_at": utc(clock_started_at),
        "due_at": utc(due_at),
        "applicant": {"kind": applicant_kind, "name": applicant_name},
        "documents": documents,
        "imported": imported,
    }


def resolved(
    *, identity: dict[str, Any], resolved_at: datetime, due_at: datetime, imported: bool
) -> dict[str, Any]:
    """`dossier.resolved` (có kết quả). Routing emits it for live dossiers; intake only for imported
    ones, whose routing happened in the old system. Early / on time / late is derived from the two dates."""
    return {**identity, "resolved_at": utc(resolved_at), "due_at": utc(due_at), "imported": imported}


def returned(
    *,
    identity: dict[str, Any],
    returned_at: datetime,
    delivery_channel: str,
    imported: bool,
    portal_account: str | None = None,
) -> dict[str, Any]:
    """`dossier.returned` (trả kết quả): counter, post or electronic. `portal_account` is for survey, whose
    invitation (with its token) only the submitting account may read: an opaque account id, no ID number."""
    return {
        **identity,
        "returned_at": utc(returned_at),
        "delivery_channel": delivery_channel,
        "imported": imported,
        "portal_account": portal_account,
    }


def portal_account_of(row: Any) -> str | None:
    """The `sub` of the portal account that submitted a dossier row online, else None: only the portal
    submits online, and at the counter `created_by` is the receptionist, who is no submitter."""
    return str(row.created_by) if row.channel == "online" else None


def withdrawn(*, identity: dict[str, Any], withdrawn_at: datetime, imported: bool) -> dict[str, Any]:
    """`dossier.withdrawn` (rút hồ sơ)."""
    return {**identity, "withdrawn_at": utc(withdrawn_at), "imported": imported}


def supplement_received(
    *, identity: dict[str, Any], documents: list[str], received_at: datetime, note: str | None, imported: bool
) -> dict[str, Any]:
    """`dossier.supplement_received` (công dân bổ sung hồ sơ): the checklist codes handed in now, after an
    agency asked for a supplement; routing resumes the step it paused."""
    return {
        **identity,
        "documents": documents,
        "received_at": utc(received_at),
        "note": note,
        "imported": imported,
    }


def digitized(
    *, identity: dict[str, Any], documents: int, pages: int, reused: int, digitized_at: datetime
) -> dict[str, Any]:
    """`dossier.digitized` (số hóa): once, when the components first cover the checklist's required
    items; the counts are of every component then (`reused`: taken from an earlier dossier). Its time
    is sent as the clock gave it, not converted to UTC."""
    return {
        **identity,
        "documents": documents,
        "pages": pages,
        "reused": reused,
        "digitized_at": digitized_at.isoformat(),
    }
