"""Request and response models of a step's payments."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from sqlalchemy.engine import Row

from services.routing.events import PaymentChannel
from shared import inputs
from shared.inputs import Instant, Strict
from shared.text import nfc

# A payment platform's transaction number or a receipt's (biên lai) number, as the agency's books name it.
Reference = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    inputs.ONE_LINE,
]


class PaymentIn(Strict):
    amount: int = Field(gt=0, le=10**12, description="in Vietnamese đồng")
    channel: PaymentChannel = Field(
        description="online: through an online payment platform (thanh toán trực tuyến); counter; "
        "bank_transfer"
    )
    paid_at: Instant = Field(description="when it was paid, with its offset")
    reference: Reference | None = Field(
        default=None,
        description="the payment platform's or the receipt's number: the same payment sent again with "
        "it is recognised",
    )


class PaymentOut(BaseModel):
    payment_id: UUID
    step_id: UUID
    dossier_code: str
    amount: int = Field(description="in Vietnamese đồng")
    channel: PaymentChannel
    paid_at: datetime
    reference: str | None
    recorded_by: str = Field(description="the recording officer's token sub")
    recorded_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any], dossier_code: str) -> "PaymentOut":
        """A `fee_payments` row as the API shows it."""
        return cls.model_validate({**row._mapping, "dossier_code": dossier_code})
