"""The events the satisfaction read model reads (docs/events.md), as typed models: survey's ballots and
feedback, routing's step outcomes, intake's agency registrations.

Unknown fields are ignored (a newer producer may add some); what the reports rely on is required, so
an event without it goes to the dead-letter table (`parse_data`).
"""

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Form(_Payload):
    code: str
    version: int


class Submitted(_Payload):
    """`survey.submitted`."""

    ballot_id: UUID
    form: _Form
    agency_code: str = Field(min_length=1)
    dossier_code: str | None = None
    channel: str = Field(min_length=1)
    answers: dict[str, str]
    reason_given: bool = False
    submitted_at: AwareDatetime


class FeedbackReceived(_Payload):
    """`survey.feedback_received`."""

    feedback_id: UUID
    kind: str
    topic: str
    agency_code: str = Field(min_length=1)
    dossier_code: str | None = None
    source: str
    received_at: AwareDatetime
    answer_due_at: AwareDatetime


class FeedbackAnswered(_Payload):
    """`survey.feedback_answered`."""

    feedback_id: UUID
    agency_code: str = Field(min_length=1)
    answered_at: AwareDatetime
    answer_due_at: AwareDatetime
    on_time: bool


class FeedbackForwarded(_Payload):
    """`survey.feedback_forwarded`."""

    feedback_id: UUID
    agency_code: str = Field(min_length=1)
    forwarded_at: AwareDatetime
    answer_due_at: AwareDatetime


class _Step(_Payload):
    id: UUID
    position: int
    group: int
    agency_code: str = Field(min_length=1)


class StepCompleted(_Payload):
    """`dossier.step.completed`: `data.agency_code` is the lead agency, `step.agency_code` the step's."""

    dossier_id: UUID
    code: str = Field(min_length=1)
    agency_code: str = Field(min_length=1)
    step: _Step
    completed_at: AwareDatetime
    due_at: AwareDatetime
    outcome: Literal["early", "on_time", "late"]


class AgencyRegistered(_Payload):
    """`catalog.agency.registered`."""

    code: str = Field(min_length=1)
    name: str
    sector: str = ""
