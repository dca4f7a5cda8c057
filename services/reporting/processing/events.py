"""The dossier events the processing read model folds (docs/events.md), read and checked as typed
models that `facts.fold` takes as they are.

Unknown fields are ignored (a newer producer may add some). What the reports rely on is required: an
event without it can never be counted and goes to the dead-letter table (`parse_data`). Imported
dossiers' events have the same shapes as live ones (`imported: true`) and are read the same way.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data

SUPPLEMENT = "supplement"  # the one pause reason that counts as waiting


class DossierEvent(BaseModel):
    """What every dossier event carries that the facts keep."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    dossier_id: UUID
    code: str | None = None
    agency_code: str | None = None  # the lead agency
    imported: bool = False

    def counted(self, time: datetime) -> Self | None:
        """The event as `fold` takes it, `time` being the envelope's: an instant the payload leaves out
        is the envelope's time; None when the event changes no fact."""
        return self


class Procedure(BaseModel):
    """The part of the procedure snapshot a report groups by."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str = Field(min_length=1)
    name: str = ""
    field_code: str = ""
    field_name: str = ""
    agency_code: str | None = None
    agency_name: str = ""
    service_level: int | None = None


class _Dated(DossierEvent):
    """An event whose instant (the field named `AT`) may be left out: the envelope's time stands in."""

    AT: ClassVar[str]

    def counted(self, time: datetime) -> Self | None:
        if getattr(self, self.AT) is not None:
            return self
        return self.model_copy(update={self.AT: time})


class Received(DossierEvent):
    procedure: Procedure
    channel: str = "direct"
    service_level: int | None = None
    received_at: AwareDatetime
    due_at: AwareDatetime


class Resolved(_Dated):
    AT: ClassVar[str] = "resolved_at"
    resolved_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None


class Withdrawn(_Dated):
    AT: ClassVar[str] = "withdrawn_at"
    withdrawn_at: AwareDatetime | None = None


class Returned(_Dated):
    AT: ClassVar[str] = "returned_at"
    returned_at: AwareDatetime | None = None


class Rejected(_Dated):
    AT: ClassVar[str] = "rejected_at"
    rejected_at: AwareDatetime | None = None


class Stopped(_Dated):
    AT: ClassVar[str] = "stopped_at"
    stopped_at: AwareDatetime | None = None


class Digitized(DossierEvent):
    documents: int = Field(default=0, ge=0)
    reused: int = Field(default=0, ge=0)


class ApologyIssued(DossierEvent):
    pass


class _StepMark(DossierEvent):
    """A step paused or resumed: only for a supplement does it count (a pause for a financial
    obligation is no wait for a supplement)."""

    step_id: UUID
    reason: str | None = None

    def counted(self, time: datetime) -> Self | None:
        return self if self.reason in (None, SUPPLEMENT) else None


class StepPaused(_StepMark):
    paused_at: AwareDatetime


class SupplementRequested(DossierEvent):
    step_id: UUID
    requested_at: AwareDatetime


class StepResumed(_StepMark):
    resumed_at: AwareDatetime


class SupplementReceived(DossierEvent):
    received_at: AwareDatetime


# The events the processing read model folds into a dossier's facts, by name (the type without prefix
# and version).
NAMES: dict[str, type[DossierEvent]] = {
    "dossier.received": Received,
    "dossier.resolved": Resolved,
    "dossier.withdrawn": Withdrawn,
    "dossier.returned": Returned,
    "dossier.rejected": Rejected,
    "dossier.stopped": Stopped,
    "dossier.digitized": Digitized,
    "dossier.apology_issued": ApologyIssued,
    "dossier.step.paused": StepPaused,
    "dossier.supplement_requested": SupplementRequested,
    "dossier.step.resumed": StepResumed,
    "dossier.supplement_received": SupplementReceived,
}
MODELS: dict[str, type[DossierEvent]] = {event_type(name): model for name, model in NAMES.items()}
# The subjects of stream DOSSIERS the processing read model needs (`dossier.<agency>.<event>`).
SUBJECTS = tuple(f"dossier.*.{name.removeprefix('dossier.')}" for name in NAMES)


def events_of(events: Sequence[CloudEvent]) -> list[DossierEvent]:
    """The events the processing read model folds, read and checked (a malformed one raises
    `PoisonEvent`), as `fold` takes them; the others, and those that change no fact, left out."""
    read: list[DossierEvent] = []
    for event in events:
        model = MODELS.get(event.type)
        if model is None:
            continue
        counted = parse_data(model, event).counted(event.time)
        if counted is not None:
            read.append(counted)
    return read
