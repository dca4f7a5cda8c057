"""The survey service's events. Never the comment, a reason's text, an item's content or answer, or
anything about who voted or wrote: `reason_given` only says there was a reason."""

from typing import Literal
from uuid import UUID

from shared.events.fields import Payload, Utc


class FormVersion(Payload):
    code: str
    version: int


class BallotSubmitted(Payload):
    """`survey.submitted` (phiếu đánh giá): `dossier_code` null for an anonymous kiosk ballot."""

    ballot_id: UUID
    form: FormVersion
    agency_code: str
    dossier_code: str | None = None
    channel: Literal["portal", "kiosk", "counter"]
    answers: dict[str, str]
    reason_given: bool = False
    submitted_at: Utc


class FeedbackReceived(Payload):
    """`survey.feedback_received` (tiếp nhận phản ánh, kiến nghị)."""

    feedback_id: UUID
    kind: Literal["feedback", "petition", "complaint"]
    topic: str
    agency_code: str
    dossier_code: str | None = None
    source: Literal["citizen", "ballot"]
    received_at: Utc
    answer_due_at: Utc


class FeedbackAnswered(Payload):
    """`survey.feedback_answered`: `on_time` by date in Vietnam."""

    feedback_id: UUID
    agency_code: str
    answered_at: Utc
    answer_due_at: Utc
    on_time: bool


class FeedbackForwarded(Payload):
    """`survey.feedback_forwarded`: the answer's due date does not move."""

    feedback_id: UUID
    from_agency_code: str
    agency_code: str
    forwarded_at: Utc
    answer_due_at: Utc
