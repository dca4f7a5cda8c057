"""Which payload type each event has, by its name (the `vn.motcua.<name>.v1` of the envelope)."""

from typing import Final

from shared.events.catalog import (
    AgencyClosed,
    AgencyRegistered,
    CalendarOverrideRemoved,
    CalendarOverrideSet,
    FieldRegistered,
    ProcedureSnapshot,
    UnitClosed,
    UnitRegistered,
)
from shared.events.deadline import (
    ApologyIssued,
    AppointmentChanged,
    DueSoon,
    ExtensionDenied,
    ExtensionGranted,
    Overdue,
)
from shared.events.dossier import (
    DossierDigitized,
    DossierReceived,
    DossierResolved,
    DossierReturned,
    DossierWithdrawn,
    SupplementReceived,
)
from shared.events.fields import Payload
from shared.events.steps import (
    DossierRejected,
    DossierStopped,
    ExtensionRequested,
    FeePaid,
    StepAssigned,
    StepCompleted,
    StepPaused,
    StepResumed,
    SupplementRequested,
)
from shared.events.survey import BallotSubmitted, FeedbackAnswered, FeedbackForwarded, FeedbackReceived

PAYLOADS: Final[dict[str, type[Payload]]] = {
    "catalog.unit.registered": UnitRegistered,
    "catalog.unit.closed": UnitClosed,
    "catalog.agency.registered": AgencyRegistered,
    "catalog.agency.closed": AgencyClosed,
    "catalog.field.registered": FieldRegistered,
    "catalog.procedure.published": ProcedureSnapshot,
    "catalog.calendar.override_set": CalendarOverrideSet,
    "catalog.calendar.override_removed": CalendarOverrideRemoved,
    "dossier.received": DossierReceived,
    "dossier.digitized": DossierDigitized,
    "dossier.resolved": DossierResolved,
    "dossier.withdrawn": DossierWithdrawn,
    "dossier.returned": DossierReturned,
    "dossier.supplement_received": SupplementReceived,
    "dossier.step.assigned": StepAssigned,
    "dossier.step.completed": StepCompleted,
    "dossier.step.paused": StepPaused,
    "dossier.step.resumed": StepResumed,
    "dossier.supplement_requested": SupplementRequested,
    "dossier.rejected": DossierRejected,
    "dossier.stopped": DossierStopped,
    "dossier.extension_requested": ExtensionRequested,
    "dossier.fee_paid": FeePaid,
    "dossier.due_soon": DueSoon,
    "dossier.overdue": Overdue,
    "dossier.extension_granted": ExtensionGranted,
    "dossier.extension_denied": ExtensionDenied,
    "dossier.apology_issued": ApologyIssued,
    "dossier.appointment_changed": AppointmentChanged,
    "survey.submitted": BallotSubmitted,
    "survey.feedback_received": FeedbackReceived,
    "survey.feedback_answered": FeedbackAnswered,
    "survey.feedback_forwarded": FeedbackForwarded,
}
