"""The field types and base of event payloads: how times, decimals and ids travel."""

from datetime import UTC
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

# Sent as UTC ISO 8601 with `+00:00`, as they are stored; read with any offset.
Utc = Annotated[AwareDatetime, PlainSerializer(lambda at: at.astimezone(UTC).isoformat(), return_type=str)]
# A code something is keyed on (a dossier, an agency): empty is no code, and an event without one
# can never be applied.
Code = Annotated[str, Field(min_length=1)]
# Days of a procedure or a step travel as decimal strings ("7.5"): a float would round them.
DecimalText = Annotated[Decimal, Field(ge=0), PlainSerializer(str, return_type=str)]


class Payload(BaseModel):
    """An event's `data`. Frozen: an event, once built, is a fact."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    def data(self) -> dict[str, Any]:
        """The JSON object the outbox stores and the relay publishes."""
        return self.model_dump(mode="json")
