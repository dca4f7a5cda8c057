"""Reading an event's `data` into a typed model: a payload that does not fit is poison, never retried."""

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from shared.messaging.consumer import PoisonEvent
from shared.messaging.envelope import CloudEvent

P = TypeVar("P", bound=BaseModel)


def parse_data(model: type[P], event: CloudEvent) -> P:
    """The event's data as ``model``, or `PoisonEvent`: retrying cannot make a bad payload good."""
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        raise PoisonEvent(f"{event.type}: {exc.error_count()} invalid field(s): {exc}") from exc
