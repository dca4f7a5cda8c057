"""Request and response models of digitization."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from services.intake.schemas import Code
from shared.inputs import Strict


class ReuseIn(Strict):
    from_dossier: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="the code (or id) of the same applicant's earlier dossier"
    )
    document_code: Code | None = Field(
        default=None, description="the component's code on that dossier's checklist, when it differs"
    )


class DocumentOut(BaseModel):
    document_code: str
    document_name: str
    required: bool
    filename: str
    content_type: str
    size: int
    pages: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    reused_from: str | None = Field(description="the earlier dossier's code, when reused instead of scanned")


class RecordedOut(DocumentOut):
    change: Literal["added", "replaced", "unchanged"]
    missing: list[str] = Field(description="required checklist items still to digitize")


class DigitizationOut(BaseModel):
    dossier_code: str | None
    complete: bool = Field(description="every required checklist item is digitized")
    missing: list[str]
    documents: int
    pages: int
    reused: int
    items: list[DocumentOut] = Field(description="one per checklist item, in code order (at most 100)")
