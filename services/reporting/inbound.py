"""The dossier events model A reads (docs/events.md), checked and turned into the facts `fold` takes.

Unknown fields are ignored (a newer producer may add some). What the reports rely on is required: an
event without it can never be counted and goes to the dead-letter table (`parse_data`). Imported
dossiers' events have the same shapes as live ones (`imported: true`) and are read the same way.
"""

from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.reporting.arithmetic import Cell
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Identity(_Payload):
    dossier_id: UUID
    code: str | None = None
    agency_code: str | None = None  # the lead agency
    imported: bool = False


class Procedure(_Payload):
    """The part of the procedure snapshot a report groups by."""

    code: str = Field(min_length=1)
    name: str = ""
    field_code: str = ""
    field_name: str = ""
    agency_code: str | None = None
    agency_name: str = ""
    service_level: int | None = None


class Received(Identity):
    procedure: Procedure
    channel: str = "direct"
    service_level: int | None = None
    received_at: AwareDatetime
    due_at: AwareDatetime


class Resolved(Identity):
    resolved_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None


class Withdrawn(Identity):
    withdrawn_at: AwareDatetime | None = None


class Returned(Identity):
    returned_at: AwareDatetime | None = None


class Rejected(Identity):
    rejected_at: AwareDatetime | None = None


class Stopped(Identity):
    stopped_at: AwareDatetime | None = None


class Digitized(Identity):
    documents: int = Field(default=0, ge=0)
    reused: int = Field(default=0, ge=0)


class StepPaused(Identity):
    step_id: UUID
    reason: str | None = None
    paused_at: AwareDatetime


class SupplementRequested(Identity):
    step_id: UUID
    requested_at: AwareDatetime


class StepResumed(Identity):
    step_id: UUID
    reason: str | None = None
    resumed_at: AwareDatetime


class SupplementReceived(Identity):
    received_at: AwareDatetime


# The events model A folds into a dossier's facts, by name (the type without prefix and version).
MODELS: dict[str, type[Identity]] = {
    "dossier.received": Received,
    "dossier.resolved": Resolved,
    "dossier.withdrawn": Withdrawn,
    "dossier.returned": Returned,
    "dossier.rejected": Rejected,
    "dossier.stopped": Stopped,
    "dossier.digitized": Digitized,
    "dossier.apology_issued": Identity,
    "dossier.step.paused": StepPaused,
    "dossier.supplement_requested": SupplementRequested,
    "dossier.step.resumed": StepResumed,
    "dossier.supplement_received": SupplementReceived,
}
TYPES: dict[str, str] = {event_type(name): name for name in MODELS}
# The subjects of stream DOSSIERS model A needs (`dossier.<agency>.<event>`).
SUBJECTS = tuple(f"dossier.*.{name.removeprefix('dossier.')}" for name in MODELS)

SUPPLEMENT = "supplement"


def facts_of(name: str, event: CloudEvent) -> tuple[UUID, dict[str, Any]] | None:
    """The dossier and what `fold` takes from one event; None for an event that changes no fact
    (a pause for a financial obligation: only a supplement counts as waiting)."""
    payload = parse_data(MODELS[name], event)
    data: dict[str, Any] = {"code": payload.code, "imported": payload.imported}
    if isinstance(payload, Received):
        procedure = payload.procedure
        data |= {
            "cell": Cell(
                procedure_code=procedure.code,
                procedure_name=procedure.name or procedure.code,
                field_code=procedure.field_code,
                field_name=procedure.field_name or procedure.field_code,
                agency_code=payload.agency_code or procedure.agency_code or "",
                agency_name=procedure.agency_name or payload.agency_code or "",
            ),
            "channel": payload.channel,
            "service_level": payload.service_level or procedure.service_level,
            "received_at": payload.received_at,
            "due_at": payload.due_at,
        }
    elif isinstance(payload, Resolved):
        data |= {"resolved_at": payload.resolved_at or event.time, "due_at": payload.due_at}
    elif isinstance(payload, Withdrawn):
        data["withdrawn_at"] = payload.withdrawn_at or event.time
    elif isinstance(payload, Returned):
        data["returned_at"] = payload.returned_at or event.time
    elif isinstance(payload, Rejected):
        data["rejected_at"] = payload.rejected_at or event.time
    elif isinstance(payload, Stopped):
        data["stopped_at"] = payload.stopped_at or event.time
    elif isinstance(payload, Digitized):
        data |= {"documents": payload.documents, "reused": payload.reused}
    elif isinstance(payload, StepPaused):
        if payload.reason not in (None, SUPPLEMENT):
            return None
        data |= {"step_id": payload.step_id, "at": payload.paused_at}
    elif isinstance(payload, SupplementRequested):
        data |= {"step_id": payload.step_id, "at": payload.requested_at}
    elif isinstance(payload, StepResumed):
        if payload.reason not in (None, SUPPLEMENT):
            return None
        data |= {"step_id": payload.step_id, "at": payload.resumed_at}
    elif isinstance(payload, SupplementReceived):
        data["at"] = payload.received_at
    return payload.dossier_id, data


def name_of(event: CloudEvent) -> str | None:
    return TYPES.get(event.type)
