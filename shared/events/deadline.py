"""The deadline service's events: warnings, lateness, extension decisions and apology letters.

`step_agency_code` is whose clock or letter it is (the step's agency, or the lead agency for the
dossier's own clock) and the subject token.
"""

from datetime import date
from typing import Literal
from uuid import UUID

from shared.events.dossier import DossierIdentity
from shared.events.fields import Utc


class AboutClock(DossierIdentity):
    """A dossier's clock (`step_id` null) or a step's."""

    scope: Literal["dossier", "step"]
    step_id: UUID | None = None
    step_agency_code: str


class DueSoon(AboutClock):
    """`dossier.due_soon` (sắp đến hạn): `hours_before` working hours before `due_at`."""

    due_at: Utc
    warned_at: Utc
    hours_before: int


class Overdue(AboutClock):
    """`dossier.overdue` (quá hạn)."""

    due_at: Utc
    overdue_at: Utc


class AppointmentChanged(DossierIdentity):
    """`dossier.appointment_changed` (hẹn lại ngày trả kết quả): a legitimate pause of the dossier's
    clock (a supplement, a financial obligation) ended and, under its procedure's policy (shift or
    restart), moved the due the law recognises. `due_at` is that due from now on: the deadline
    service's, the reports', the citizen's new appointment; `original_due_at` the appointment of the
    receipt. Sent by the deadline service; by intake for an imported dossier's pauses
    (`imported: true`). Never for an apology letter or an extension: neither moves it."""

    due_at: Utc
    original_due_at: Utc
    reason: Literal["supplement", "obligation"]
    paused_at: Utc
    resumed_at: Utc
    imported: bool = False


class ExtensionGranted(DossierIdentity):
    """`dossier.extension_granted`: `due_at` is the due extended (after pauses), `new_due_at` it plus
    the working days asked; `original_due_at` never changes."""

    step_id: UUID
    step_agency_code: str
    reason: str
    original_due_at: Utc | None = None
    due_at: Utc
    new_due_at: Utc
    decided_at: Utc


class ExtensionDenied(DossierIdentity):
    """`dossier.extension_denied`: `reason` is the stable code, `reason_text` says it to a person."""

    step_id: UUID
    step_agency_code: str
    reason: Literal["already_extended", "not_a_leader", "no_reason", "after_due"]
    reason_text: str
    decided_at: Utc


class ApologyIssued(AboutClock):
    """`dossier.apology_issued` (form 04): the new return date stands beside the dues, never replaces
    them. No personal data: the applicant's name stays on the printed letter.

    `timely`: issued no later than one working day before the due it is judged against (a later
    letter is still recorded, `false`); null when that due is unknown, and in events sent before the
    field existed. Reports count a letter not known to be timely as a late one: only a letter known
    to be in time makes a dossier "late with a timely letter"."""

    letter_id: UUID
    reason: str
    new_return_date: date
    due_at: Utc | None = None
    original_due_at: Utc | None = None
    signed_by: str
    signed_by_title: str
    issued_at: Utc
    timely: bool | None = None
