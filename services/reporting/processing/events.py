"""The dossier events the processing read model folds (docs/events.md), read with their payload types
of `shared.events`, the ones their producers build them with, and taken by `facts.fold` as they are.

Unknown fields are ignored (a newer producer may add some). What the types require is what the
producers always send: an event without it can never be counted and goes to the dead-letter table
(`parse_data`). Imported dossiers' events have the same shapes as live ones (`imported: true`) and are
read the same way.
"""

from collections.abc import Sequence
from typing import Final

from shared.events.deadline import ApologyIssued, AppointmentChanged
from shared.events.dossier import (
    DossierDigitized,
    DossierReceived,
    DossierResolved,
    DossierReturned,
    DossierWithdrawn,
    SupplementReceived,
)
from shared.events.steps import (
    DossierRejected,
    DossierStopped,
    FeePaid,
    StepPaused,
    StepResumed,
    SupplementRequested,
)
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data

SUPPLEMENT: Final = "supplement"  # the one pause reason that counts as waiting

# An event `fold` takes: the shared payload type of each event the processing read model reads.
DossierEvent = (
    DossierReceived
    | DossierResolved
    | DossierWithdrawn
    | DossierReturned
    | DossierRejected
    | DossierStopped
    | DossierDigitized
    | ApologyIssued
    | AppointmentChanged
    | StepPaused
    | SupplementRequested
    | StepResumed
    | SupplementReceived
    | FeePaid
)
# The events that say whether the dossier came in by the historical import.
Importable = (
    DossierReceived
    | DossierResolved
    | DossierWithdrawn
    | DossierReturned
    | SupplementReceived
    | AppointmentChanged
)

# The events the processing read model folds into a dossier's facts, by name (the type without prefix
# and version), each with its shared payload type.
NAMES: Final[dict[str, type[DossierEvent]]] = {
    "dossier.received": DossierReceived,
    "dossier.resolved": DossierResolved,
    "dossier.withdrawn": DossierWithdrawn,
    "dossier.returned": DossierReturned,
    "dossier.rejected": DossierRejected,
    "dossier.stopped": DossierStopped,
    "dossier.digitized": DossierDigitized,
    "dossier.apology_issued": ApologyIssued,
    "dossier.appointment_changed": AppointmentChanged,
    "dossier.step.paused": StepPaused,
    "dossier.supplement_requested": SupplementRequested,
    "dossier.step.resumed": StepResumed,
    "dossier.supplement_received": SupplementReceived,
    "dossier.fee_paid": FeePaid,
}
MODELS: Final[dict[str, type[DossierEvent]]] = {event_type(name): model for name, model in NAMES.items()}
# The subjects of stream DOSSIERS the processing read model needs (`dossier.<agency>.<event>`).
SUBJECTS: Final = tuple(f"dossier.*.{name.removeprefix('dossier.')}" for name in NAMES)


def counted(event: DossierEvent) -> DossierEvent | None:
    """The event as `fold` takes it, or None when it changes no fact: a step paused or resumed counts
    only for a supplement (a pause for a financial obligation is no wait for a supplement)."""
    if isinstance(event, StepPaused | StepResumed) and event.reason != SUPPLEMENT:
        return None
    return event


def events_of(events: Sequence[CloudEvent]) -> list[DossierEvent]:
    """The events the processing read model folds, read with their shared types and checked (a
    malformed one raises `PoisonEvent`), as `fold` takes them; the others, and those that change no
    fact, left out."""
    read: list[DossierEvent] = []
    for event in events:
        model = MODELS.get(event.type)
        if model is None:
            continue
        kept = counted(parse_data(model, event))
        if kept is not None:
            read.append(kept)
    return read
