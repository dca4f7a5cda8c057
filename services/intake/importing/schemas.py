"""The line of the historical import (`POST /v1/dossiers/import`) and the summary it answers with.

One NDJSON line is one dossier of the old system with its timeline; its names and meanings are fixed
by the architecture brief. Types are strict (a `"2"` is not a service level, a number is not a date),
unknown keys are refused (a misspelt `recieved_at` must not silently import a dossier without it),
timestamps must carry their offset and lie within 1900–2200 (`shared.inputs.Instant`: a year-9999 date
would overflow once converted to UTC), text holds no control character (PostgreSQL cannot store U+0000,
and such a line must fail alone, not its whole batch), and Vietnamese text is stored NFC whatever form it
came in.
"""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.intake.appointment.rules import PauseKind
from services.intake.schemas import ApplicantIn, Channel, Code, UnitCode
from shared.inputs import ONE_LINE, Instant
from shared.text import nfc

ExternalCode = Annotated[str, AfterValidator(nfc), StringConstraints(min_length=1, max_length=100), ONE_LINE]
MAX_PAUSES = 20


class ImportPause(BaseModel):
    """A pause of the dossier's clock in the old system (tạm dừng tính thời hạn), ended: while the
    citizen owed a supplement (bổ sung hồ sơ) or a financial obligation (nghĩa vụ tài chính)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    kind: PauseKind = Field(description="supplement | obligation (`unknown_pause_kind` otherwise)")
    paused_at: Instant = Field(alias="from", description="when the clock stopped")
    resumed_at: Instant = Field(
        alias="to",
        description="when it ran again: required, a pause still under way is not imported; after `from`, "
        "within received_at and resolved_at (or withdrawn_at), not overlapping another pause",
    )


class ImportLine(BaseModel):
    """One historical dossier (hồ sơ chuyển đổi từ hệ thống cũ) with the dates of its timeline."""

    model_config = ConfigDict(extra="forbid", strict=True)

    procedure_code: Code
    external_code: ExternalCode = Field(description="the old system's id; a second import of it is skipped")
    channel: Channel = "direct"
    service_level: int | None = Field(
        default=None, ge=1, le=4, description="default: the level of the procedure version in force"
    )
    applicant: ApplicantIn
    received_at: Instant = Field(description="tiếp nhận; fixes the procedure version and the code")
    due_at: Instant | None = Field(
        default=None, description="hẹn trả; default: computed from the procedure as at the counter"
    )
    resolved_at: Instant | None = Field(default=None, description="có kết quả")
    returned_at: Instant | None = Field(default=None, description="đã trả kết quả (needs resolved_at)")
    withdrawn_at: Instant | None = Field(default=None, description="rút hồ sơ (never with resolved_at)")
    unit_code: UnitCode | None = Field(
        default=None,
        description="the receiving unit, open on the receipt day; default: the deployment's default unit",
    )
    pauses: list[ImportPause] = Field(
        default_factory=list,
        max_length=MAX_PAUSES,
        description="the clock's pauses; each that moved the due under the procedure's policy gives the "
        "dossier a new appointment (`dossier.appointment_changed`); `due_at` stays the receipt's",
    )


class LineError(BaseModel):
    """Why one line was not imported; `detail` names fields, never their values (personal data)."""

    line: int = Field(description="1-based line number in the file, blank lines included")
    code: str
    detail: str
    external_code: str | None = None


class ImportSummary(BaseModel):
    """What one import request did. Lines before a 413 were processed; nothing after it was."""

    lines: int = Field(description="non-blank lines read")
    imported: int
    skipped: int = Field(description="external_code already imported (a re-sent file), not an error")
    failed: int
    errors: list[LineError] = Field(description="the first 1000 failed lines, in file order")
    errors_omitted: int = Field(description="failed lines beyond the first 1000")
