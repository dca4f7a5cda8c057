"""Intake's dossier events, and the identity every dossier event starts with.

`agency_code` is always the LEAD agency, whoever sends the event; `imported: true` marks events of
dossiers brought in by the historical import, which have the same shapes as live ones.
"""

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BeforeValidator, Field, field_validator

from shared.events.catalog import ProcedureSnapshot
from shared.events.fields import Code, Payload, Utc


class DossierIdentity(Payload):
    """Which dossier: its id, its code, the portal's id of an online submission, and the lead agency
    (the subject token)."""

    dossier_id: UUID
    code: Code
    portal_id: str | None = None
    agency_code: Code


class Applicant(Payload):
    """A kind and a name: never an ID or a phone number."""

    kind: Literal["person", "organisation"] = "person"
    name: str = ""


class DossierReceived(DossierIdentity):
    """`dossier.received` (tiếp nhận): the clock starts at `clock_started_at`, due at `due_at`."""

    procedure: ProcedureSnapshot
    channel: Literal["direct", "post", "online"]
    service_level: int = Field(ge=1, le=4)
    unit_code: str
    return_unit_code: str | None = Field(
        default=None, description="where the citizen takes the result; None: the receiving unit"
    )
    received_across_boundary: bool = Field(
        default=False,
        description="received at a unit other than the lead agency's (regardless of administrative "
        "boundary); false in events sent before it existed",
    )
    received_at: Utc
    clock_started_at: Utc
    due_at: Utc
    applicant: Applicant
    documents: list[str] = Field(default_factory=list)
    imported: bool = False
    rule_set: str | None = Field(
        default=None,
        description="the rule set the dossier is judged by, that of its receipt day in Vietnam "
        "(`shared.rule_sets`: forms, supplement policy default, report scheme); None in events sent "
        "before it existed, whose consumers take the set of `received_at`",
    )

    @field_validator("procedure")
    @classmethod
    def _policy_resolved(cls, procedure: ProcedureSnapshot) -> ProcedureSnapshot:
        # Only the catalogue's copy may leave the policy to the rule set: a received dossier's is resolved.
        if procedure.supplement_policy is None:
            raise ValueError("a received dossier's procedure carries its resolved supplement_policy")
        return procedure


class DossierDigitized(DossierIdentity):
    """`dossier.digitized` (số hóa): once, when the components first cover the required items."""

    documents: int = Field(ge=0)
    pages: int = Field(ge=0)
    reused: int = Field(ge=0)
    digitized_at: Utc


class DossierResolved(DossierIdentity):
    """`dossier.resolved` (có kết quả): from routing when the last step completes; from intake only
    for imported dossiers. `due_at` is the dossier's due as received."""

    resolved_at: Utc
    due_at: Utc
    imported: bool = False


class DossierWithdrawn(DossierIdentity):
    """`dossier.withdrawn` (rút hồ sơ)."""

    withdrawn_at: Utc
    imported: bool = False


class DossierReturned(DossierIdentity):
    """`dossier.returned` (trả kết quả). `portal_account` is the submitting portal account's `sub`,
    for survey's invitation; null at the counter, by post, for imports, and absent before it existed."""

    returned_at: Utc
    delivery_channel: Literal["counter", "post", "electronic"]
    imported: bool = False
    # An empty account is no account: it must never match a token with an empty `sub`.
    portal_account: Annotated[str | None, BeforeValidator(lambda account: account or None)] = None


class SupplementReceived(DossierIdentity):
    """`dossier.supplement_received` (bổ sung hồ sơ): the paused step's clock runs from `received_at`."""

    documents: list[str] = Field(default_factory=list)
    received_at: Utc
    note: str | None = None
    imported: bool = False
