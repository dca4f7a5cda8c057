"""The data of routing's dossier events, built in one place (the catalogue: docs/events.md).

Every payload starts with the dossier's identity, whose `agency_code` is the LEAD agency; the step's
own agency is named inside (`step.agency_code` or `step_agency_code`) and is the subject token.
Times are UTC ISO 8601. No personal data: the applicant is never named here.
"""

from datetime import UTC, datetime
from typing import Any

# Every event routing emits; the catalogue documents each (a test holds them together).
EMITTED = (
    "dossier.step.assigned",
    "dossier.step.completed",
    "dossier.step.paused",
    "dossier.step.resumed",
    "dossier.supplement_requested",
    "dossier.resolved",
    "dossier.rejected",
    "dossier.stopped",
    "dossier.extension_requested",
)


def _utc(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def identity(plan: Any) -> dict[str, Any]:
    """Which dossier: id, code, the portal's id and the lead agency (from a `plans` row)."""
    return {
        "dossier_id": str(plan.dossier_id),
        "code": plan.code,
        "portal_id": plan.portal_id,
        "agency_code": plan.lead_agency_code,
    }


def step_body(step: Any) -> dict[str, Any]:
    """A step as events show it; `due_at` is its effective due."""
    return {
        "id": str(step.id),
        "position": step.position,
        "group": step.group_no,
        "agency_code": step.agency_code,
        "days": str(step.days),
        "assigned_at": _utc(step.assigned_at),
        "due_at": _utc(step.due_at),
    }


def assigned(*, identity: dict[str, Any], step: Any, transfer: str) -> dict[str, Any]:
    """`dossier.step.assigned` (chuyển hồ sơ): the step starts at its agency."""
    return {
        **identity,
        "step": step_body(step),
        "from_agency_code": step.from_agency_code,
        "transfer": transfer,
    }


def completed(
    *,
    identity: dict[str, Any],
    step: Any,
    completed_at: datetime,
    due_at: datetime,
    outcome: str,
    next_agency_codes: list[str],
) -> dict[str, Any]:
    """`dossier.step.completed`: `due_at` is the due the outcome is judged by (pauses moved it, an
    extension did not); `next_agency_codes` are the agencies this completion started."""
    return {
        **identity,
        "step": step_body(step),
        "completed_at": _utc(completed_at),
        "due_at": _utc(due_at),
        "outcome": outcome,
        "next_agency_codes": next_agency_codes,
    }


def _about_step(identity: dict[str, Any], step: Any) -> dict[str, Any]:
    return {**identity, "step_id": str(step.id), "step_agency_code": step.agency_code}


def paused(*, identity: dict[str, Any], step: Any, reason: str, paused_at: datetime) -> dict[str, Any]:
    """`dossier.step.paused`: the step's clock stops (supplement or financial obligation)."""
    return {**_about_step(identity, step), "reason": reason, "paused_at": _utc(paused_at)}


def resumed(
    *, identity: dict[str, Any], step: Any, reason: str, resumed_at: datetime, due_at: datetime, policy: str
) -> dict[str, Any]:
    """`dossier.step.resumed`: the clock runs again; `due_at` is the step's due after resumption."""
    return {
        **_about_step(identity, step),
        "reason": reason,
        "resumed_at": _utc(resumed_at),
        "due_at": _utc(due_at),
        "policy": policy,
    }


def supplement_requested(
    *,
    identity: dict[str, Any],
    step: Any,
    items: list[dict[str, str]],
    requested_at: datetime,
    override_reason: str | None,
) -> dict[str, Any]:
    """`dossier.supplement_requested` (form 02 through the centre)."""
    return {
        **_about_step(identity, step),
        "items": items,
        "requested_at": _utc(requested_at),
        "override_reason": override_reason,
    }


def resolved(*, identity: dict[str, Any], resolved_at: datetime, due_at: datetime) -> dict[str, Any]:
    """`dossier.resolved` (có kết quả): `due_at` is the dossier's original due, as received."""
    return {**identity, "resolved_at": _utc(resolved_at), "due_at": _utc(due_at), "imported": False}


def rejected(*, identity: dict[str, Any], step: Any, rejected_at: datetime, reason: str) -> dict[str, Any]:
    """`dossier.rejected` (không giải quyết, with the reason)."""
    return {**_about_step(identity, step), "rejected_at": _utc(rejected_at), "reason": reason}


def stopped(*, identity: dict[str, Any], step: Any, stopped_at: datetime, reason: str) -> dict[str, Any]:
    """`dossier.stopped` (dừng xử lý)."""
    return {**_about_step(identity, step), "stopped_at": _utc(stopped_at), "reason": reason}


def extension_requested(
    *,
    identity: dict[str, Any],
    step: Any,
    requested_at: datetime,
    reason: str,
    days: int,
    requested_by: str,
    requested_by_role: str,
) -> dict[str, Any]:
    """`dossier.extension_requested` (xin gia hạn): the deadline service decides; only a leader's
    request can be granted, hence the role."""
    return {
        **_about_step(identity, step),
        "requested_at": _utc(requested_at),
        "reason": reason,
        "days": days,
        "current_due_at": _utc(step.due_at),
        "requested_by": requested_by,
        "requested_by_role": requested_by_role,
    }
