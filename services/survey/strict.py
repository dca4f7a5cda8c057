"""The base of survey's request bodies."""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A body with a field it does not have is refused (422 `validation_error`), never half read."""

    model_config = ConfigDict(extra="forbid")
