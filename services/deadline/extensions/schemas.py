"""Response models of the extensions' API."""

from datetime import datetime
from typing import Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel

T = TypeVar("T")


class ExtensionOut(BaseModel):
    id: UUID
    dossier_id: UUID
    code: str | None
    step_id: UUID
    step_agency_code: str
    requested_at: datetime
    requested_by: str | None
    requested_by_role: str | None
    reason: str
    days: int
    current_due_at: datetime | None
    state: Literal["granted", "denied"]
    denial_code: str | None
    denial_text: str | None
    new_due_at: datetime | None
    decided_at: datetime


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
