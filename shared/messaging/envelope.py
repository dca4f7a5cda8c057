"""The CloudEvents 1.0 envelope (JSON, structured mode) every motcua event travels in."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

TYPE_PREFIX = "vn.motcua."


def event_type(name: str, version: int = 1) -> str:
    """`dossier.received` -> `vn.motcua.dossier.received.v1`; a breaking change gets a new version."""
    return f"{TYPE_PREFIX}{name}.v{version}"


class CloudEvent(BaseModel):
    # Unknown attributes are CloudEvents extensions from a newer producer: keep them, don't fail.
    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(default_factory=uuid4)
    source: str = Field(pattern=r"^/motcua/[a-z]+$")
    type: str = Field(pattern=r"^vn\.motcua\.[a-z_.]+\.v[0-9]+$")
    subject: str | None = Field(default=None, description="The dossier code, where there is one.")
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    # Extension attribute: the dossier's version at the emitting service after this change (one
    # counter per dossier and `source`, compared as a number), so a consumer can ignore a stale event.
    # It is not the CloudEvents Sequence extension (a string compared as text, one series per source),
    # which we do not send. Events written before the rename carry it as `sequence`: kept as an
    # unknown attribute, read by no consumer.
    dossierversion: int | None = None

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)
