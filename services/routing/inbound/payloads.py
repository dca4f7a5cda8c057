"""The payloads routing consumes, checked before anything is touched (docs/events.md).

Unknown fields are ignored: a newer producer may add some. What routing relies on is required; an
event without it can never be processed and goes to the dead-letter table
(`shared.messaging.payloads.parse_data` raises `PoisonEvent`).
"""

from datetime import time
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Identity(_Payload):
    dossier_id: UUID
    code: str | None = None
    portal_id: str | None = None
    agency_code: str


class ProcedureSnapshot(_Payload):
    code: str
    version: int | None = None
    name: str
    agency_code: str
    agency_name: str | None = None
    processing_days: Decimal = Field(ge=0)
    online_processing_days: Decimal | None = None
    day_kind: Literal["working", "calendar"] = "working"
    same_day: bool = False
    cutoff: time = time(15, 0)
    supplement_policy: Literal["shift", "restart"] = "shift"
    route: list[dict[str, Any]] = Field(default_factory=list)


class Applicant(_Payload):
    kind: str = "person"
    name: str = ""


class Received(Identity):
    """`dossier.received`: identity, the procedure snapshot, channel and times."""

    code: str
    procedure: ProcedureSnapshot
    channel: Literal["direct", "post", "online"]
    received_at: AwareDatetime
    clock_started_at: AwareDatetime | None = None
    due_at: AwareDatetime
    applicant: Applicant = Field(default_factory=Applicant)
    imported: bool = False


class Withdrawn(Identity):
    withdrawn_at: AwareDatetime
    imported: bool = False


class SupplementReceived(Identity):
    received_at: AwareDatetime
    documents: list[str] = Field(default_factory=list)
    note: str | None = None


class ExtensionDecision(Identity):
    step_id: UUID
    step_agency_code: str | None = None
    new_due_at: AwareDatetime | None = None
    reason: str | None = None
