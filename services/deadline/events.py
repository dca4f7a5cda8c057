"""Deadline's events, built in one place as the payload types of `shared.events` that every consumer
reads them with (the catalogue: docs/events.md); the outbox gets their `data()`.

Dossier events start with the dossier's identity, whose `agency_code` is the LEAD agency; the
agency the event concerns (a step's, or the lead's for the dossier's clock) is the subject token and,
for step events, `step_agency_code`. The types send times in UTC ISO 8601. No personal data.
"""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from shared.events.catalog import CalendarOverrideRemoved, CalendarOverrideSet
from shared.events.deadline import (
    AboutClock,
    ApologyIssued,
    AppointmentChanged,
    DueSoon,
    ExtensionDenied,
    ExtensionGranted,
    Overdue,
)
from shared.events.dossier import DossierIdentity

# Every event deadline emits; the catalogue documents each (tests/deadline/test_docs.py holds them).
EMITTED = (
    "dossier.appointment_changed",
    "dossier.due_soon",
    "dossier.overdue",
    "dossier.extension_granted",
    "dossier.extension_denied",
    "dossier.apology_issued",
    "catalog.calendar.override_set",
    "catalog.calendar.override_removed",
)


def identity(row: Any) -> DossierIdentity:
    """Which dossier, from a `dossiers` or `clocks` row (`dossier_id`, `code`, `portal_id`,
    `lead_agency_code`)."""
    return DossierIdentity(
        dossier_id=row.dossier_id, code=row.code, portal_id=row.portal_id, agency_code=row.lead_agency_code
    )


def about_clock(clock: Any) -> AboutClock:
    """Which clock, from a `clocks` row: its dossier, scope, step and agency."""
    return AboutClock(
        **dict(identity(clock)),
        scope=clock.scope,
        step_id=clock.step_id if clock.scope == "step" else None,
        step_agency_code=clock.agency_code,
    )


def due_soon(*, clock: Any, warned_at: datetime, hours_before: int) -> DueSoon:
    """`dossier.due_soon` (sắp đến hạn): a `clocks` row whose `warn_at` has come."""
    return DueSoon(
        **dict(about_clock(clock)), due_at=clock.due_at, warned_at=warned_at, hours_before=hours_before
    )


def overdue(*, clock: Any, overdue_at: datetime) -> Overdue:
    """`dossier.overdue` (quá hạn): a `clocks` row whose `due_at` has passed."""
    return Overdue(**dict(about_clock(clock)), due_at=clock.due_at, overdue_at=overdue_at)


def appointment_changed(
    *,
    dossier: Any,
    due_at: datetime,
    reason: Literal["supplement", "obligation"],
    paused_at: datetime,
    resumed_at: datetime,
) -> AppointmentChanged:
    """`dossier.appointment_changed` (hẹn lại ngày trả kết quả), from the `dossiers` row: the pause of
    the dossier's clock from `paused_at` to `resumed_at` moved its due to `due_at`, the citizen's new
    appointment; `original_due_at` is the receipt's. Never for an extension or an apology letter."""
    return AppointmentChanged(
        **dict(identity(dossier)),
        due_at=due_at,
        original_due_at=dossier.original_due_at,
        reason=reason,
        paused_at=paused_at,
        resumed_at=resumed_at,
        imported=False,
    )


def extension_granted(
    *,
    identity: DossierIdentity,
    step_id: UUID,
    step_agency_code: str,
    reason: str,
    original_due_at: datetime | None,
    due_at: datetime,
    new_due_at: datetime,
    decided_at: datetime,
) -> ExtensionGranted:
    """`dossier.extension_granted`: `reason` is the request's; `due_at` is the due extended (after
    pauses), `original_due_at` the step's first due, never changed."""
    return ExtensionGranted(
        **dict(identity),
        step_id=step_id,
        step_agency_code=step_agency_code,
        reason=reason,
        original_due_at=original_due_at,
        due_at=due_at,
        new_due_at=new_due_at,
        decided_at=decided_at,
    )


def extension_denied(
    *,
    identity: DossierIdentity,
    step_id: UUID,
    step_agency_code: str,
    code: str,
    text: str,
    decided_at: datetime,
) -> ExtensionDenied:
    """`dossier.extension_denied`: `reason` is the stable code (after_due, no_reason, not_a_leader,
    already_extended), `reason_text` says it to a person."""
    return ExtensionDenied(
        **dict(identity),
        step_id=step_id,
        step_agency_code=step_agency_code,
        reason=code,
        reason_text=text,
        decided_at=decided_at,
    )


def apology_issued(*, dossier: Any, letter: dict[str, Any]) -> ApologyIssued:
    """`dossier.apology_issued` (form 04), from the `dossiers` row and the letter as recorded: shaped like
    the clock events, `scope`, `step_id` and `step_agency_code` being the agency the letter concerns
    (the step's, or the lead's for the dossier) and the subject token. No personal data: the
    applicant's name stays on the printed letter."""
    step_id = letter["step_id"]
    return ApologyIssued(
        **dict(identity(dossier)),
        scope="step" if step_id else "dossier",
        step_id=step_id or None,
        step_agency_code=letter["agency_code"],
        letter_id=letter["id"],
        reason=letter["reason"],
        new_return_date=letter["new_return_date"],
        due_at=letter["due_at"],
        original_due_at=letter["original_due_at"],
        signed_by=letter["signed_by_name"],
        signed_by_title=letter["signed_by_title"],
        issued_at=letter["issued_at"],
        timely=letter["timely"],
    )


def override_set(*, day: date, working: bool, reason: str, set_at: datetime) -> CalendarOverrideSet:
    """`catalog.calendar.override_set`: a day made a day off, or a working day, by the centre's admin."""
    return CalendarOverrideSet(day=day, working=working, reason=reason, set_at=set_at)


def override_removed(*, day: date, removed_at: datetime) -> CalendarOverrideRemoved:
    """`catalog.calendar.override_removed`: the day is decided by the official calendar again."""
    return CalendarOverrideRemoved(day=day, removed_at=removed_at)
