"""Request and response models of the receiving units."""

from datetime import date

from pydantic import BaseModel, Field

from services.intake.schemas import Text, UnitCode
from shared import inputs
from shared.events.catalog import UnitKind
from shared.inputs import Strict


class UnitIn(Strict):
    """A receiving unit (đơn vị tiếp nhận): its code is the prefix of its dossiers' codes."""

    code: UnitCode = Field(description="lowest level first, ending in the province: `000.00.01.H57`")
    name: Text
    kind: UnitKind
    parent_code: UnitCode | None = Field(default=None, description="the unit it belongs to, registered first")
    address: Text | None = None
    effective_from: inputs.Day | None = Field(default=None, description="its first day; default: today")
    effective_to: inputs.Day | None = Field(default=None, description="its last day, if already known")
    successor_code: UnitCode | None = Field(
        default=None, description="the unit that took over when it closed (needs effective_to)"
    )


class UnitCloseIn(Strict):
    """Closing a unit: its last day and, after a merger, the unit that takes over. Its dossiers keep it."""

    effective_to: inputs.Day = Field(description="the last day it receives")
    successor_code: UnitCode | None = None


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    parent_code: str | None
    address: str | None
    effective_from: date
    effective_to: date | None
    successor_code: str | None
