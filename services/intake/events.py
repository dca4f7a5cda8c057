"""Intake's dossier events, built in one place for live and imported dossiers alike, as the payload types
of `shared.events.dossier` that every consumer reads them with.

Reception and the historical import emit the same events with the same shapes; an imported dossier's
events say `"imported": true`. The types send times in UTC (ISO 8601 with `+00:00`), as they are stored.
Personal data stays out: the applicant is a kind and a name, never an ID or phone number.
"""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from services.intake.schemas import ApplicantKind, Channel
from shared.events.catalog import ProcedureSnapshot
from shared.events.deadline import AppointmentChanged
from shared.events.dossier import (
    Applicant,
    DossierDigitized,
    DossierIdentity,
    DossierReceived,
    DossierResolved,
    DossierReturned,
    DossierWithdrawn,
    SupplementReceived,
)


def identity(*, dossier_id: UUID, code: str, portal_id: str | None, agency_code: str) -> DossierIdentity:
    """What every dossier event starts with: which dossier, and the lead agency its subject names. Only
    a received dossier, which has its code, is ever heard of."""
    return DossierIdentity(dossier_id=dossier_id, code=code, portal_id=portal_id, agency_code=agency_code)


def received(
    *,
    identity: DossierIdentity,
    procedure: ProcedureSnapshot,
    channel: Channel,
    service_level: int,
    unit_code: str,
    return_unit_code: str | None = None,
    received_across_boundary: bool = False,
    received_at: datetime,
    clock_started_at: datetime,
    due_at: datetime,
    applicant_kind: ApplicantKind,
    applicant_name: str,
    documents: list[str],
    imported: bool,
    rule_set: str,
) -> DossierReceived:
    """`dossier.received` (tiếp nhận): carries the procedure snapshot so no consumer asks intake, and
    the rule set the dossier is judged by (that of its receipt day)."""
    return DossierReceived(
        **identity.model_dump(),
        procedure=procedure,
        channel=channel,
        service_level=service_level,
        unit_code=unit_code,
        return_unit_code=return_unit_code,
        received_across_boundary=received_across_boundary,
        received_at=received_at,
        clock_started_at=clock_started_at,
        due_at=due_at,
        applicant=Applicant(kind=applicant_kind, name=applicant_name),
        documents=documents,
        imported=imported,
        rule_set=rule_set,
    )


def resolved(
    *, identity: DossierIdentity, resolved_at: datetime, due_at: datetime, imported: bool
) -> DossierResolved:
    """`dossier.resolved` (có kết quả). Routing emits it for live dossiers; intake only for imported
    ones, whose routing happened in the old system. Early / on time / late is derived from the two dates."""
    return DossierResolved(**identity.model_dump(), resolved_at=resolved_at, due_at=due_at, imported=imported)


def returned(
    *,
    identity: DossierIdentity,
    returned_at: datetime,
    delivery_channel: Literal["counter", "post", "electronic"],
    imported: bool,
    portal_account: str | None = None,
) -> DossierReturned:
    """`dossier.returned` (trả kết quả): counter, post or electronic. `portal_account` is for survey, whose
    invitation (with its token) only the submitting account may read: an opaque account id, no ID number."""
    return DossierReturned(
        **identity.model_dump(),
        returned_at=returned_at,
        delivery_channel=delivery_channel,
        imported=imported,
        portal_account=portal_account,
    )


def portal_account_of(row: Any) -> str | None:
    """The `sub` of the portal account that submitted a dossier row online, else None: only the portal
    submits online, and at the counter `created_by` is the receptionist, who is no submitter."""
    return str(row.created_by) if row.channel == "online" else None


def withdrawn(*, identity: DossierIdentity, withdrawn_at: datetime, imported: bool) -> DossierWithdrawn:
    """`dossier.withdrawn` (rút hồ sơ)."""
    return DossierWithdrawn(**identity.model_dump(), withdrawn_at=withdrawn_at, imported=imported)


def supplement_received(
    *,
    identity: DossierIdentity,
    documents: list[str],
    received_at: datetime,
    note: str | None,
    imported: bool,
) -> SupplementReceived:
    """`dossier.supplement_received` (công dân bổ sung hồ sơ): the checklist codes handed in now, after an
    agency asked for a supplement; routing resumes the step it paused."""
    return SupplementReceived(
        **identity.model_dump(), documents=documents, received_at=received_at, note=note, imported=imported
    )


def digitized(
    *, identity: DossierIdentity, documents: int, pages: int, reused: int, digitized_at: datetime
) -> DossierDigitized:
    """`dossier.digitized` (số hóa): once, when the components first cover the checklist's required
    items; the counts are of every component then (`reused`: taken from an earlier dossier)."""
    return DossierDigitized(
        **identity.model_dump(), documents=documents, pages=pages, reused=reused, digitized_at=digitized_at
    )


def appointment_changed(
    *,
    identity: DossierIdentity,
    due_at: datetime,
    original_due_at: datetime,
    reason: Literal["supplement", "obligation"],
    paused_at: datetime,
    resumed_at: datetime,
) -> AppointmentChanged:
    """`dossier.appointment_changed` (hẹn lại ngày trả kết quả): the deadline service sends it for live
    dossiers; intake only for an imported dossier's pauses (`imported: true`), whose clock ran in the
    old system. `due_at` is the due after the pause, `original_due_at` the receipt's."""
    return AppointmentChanged(
        **identity.model_dump(),
        due_at=due_at,
        original_due_at=original_due_at,
        reason=reason,
        paused_at=paused_at,
        resumed_at=resumed_at,
        imported=True,
    )
