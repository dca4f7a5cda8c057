"""The one way a dossier changes: its row and version, a row of its public timeline, the event the other
services hear, and the audit row of who did it, written together in the caller's transaction.

A use case opens `changing` on the dossier it has locked (or just inserted), stages what changes, and the
block's end writes it all: the dossier row, the timeline, the event, the audit row, in that order. The
version goes up by one with each change that writes the dossier row or emits an event, and the event
carries it as its `dossierversion`, so a consumer can tell a stale one. Routing's `plan_events` is the same
idea for a route plan.

Writers of dossiers that do without it: the historical import stores whole histories in bulk
(`importing/rows.py`, with the same event payloads from `events.py`); `handlers.py` mirrors routing's
status, which is no change of intake's own; and reception's two hot writes, a submission
(`reception/repository.SUBMIT`) and a receipt (`numbering.RECEIVE`), each one statement that writes the
same rows this would, so the unit's day counter is locked for one statement only (issue #17).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events
from services.intake.dossiers import repository
from services.intake.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.clock import Clock
from shared.events.dossier import DossierIdentity
from shared.events.fields import Payload
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import dossier_subject


@dataclass(frozen=True)
class Desk:
    """What every change needs besides the session: who acts, when, where events go, and the
    deployment's default unit (`MOTCUA_CENTRE_UNIT_CODE`): where a dossier is received when neither the
    token nor the portal names a unit."""

    outbox: Outbox
    clock: Clock
    who: Principal
    default_unit: str


class Dossier(Protocol):
    """What a change needs to know of the dossier: a row of `repository.dossier`, or what reception
    knows of one it has just inserted."""

    @property
    def id(self) -> UUID: ...
    @property
    def code(self) -> str | None: ...
    @property
    def portal_id(self) -> str | None: ...
    @property
    def agency_code(self) -> str: ...
    @property
    def version(self) -> int: ...


class Change:
    """What one change of a dossier writes, staged until its `changing` block ends."""

    def __init__(self, dossier: Dossier, at: datetime) -> None:
        self.dossier = dossier
        self.at = at  # the time of the change, read once from the desk's clock
        self.values: dict[str, Any] = {}
        self.shown: list[tuple[str, str]] = []  # (status, public note): rows of the timeline
        self.event: tuple[str, Payload] | None = None

    def to(self, status: str, note: str, **values: Any) -> None:
        """Move the dossier to `status`, with the note the citizen's look-up shows for it."""
        self.set(status=status, **values)
        self.show(status, note)

    def set(self, **values: Any) -> None:
        """Columns of the dossier row to write."""
        self.values.update(values)

    def show(self, status: str, note: str) -> None:
        """A row of the public timeline alone: for the submission, whose status its insert wrote."""
        self.shown.append((status, note))

    def emit(self, name: str, payload: Payload) -> None:
        """`dossier.<name>` on the subject of the dossier's agency, with the dossier's new version."""
        if self.event is not None:
            raise ValueError(f"one event a change: dossier.{self.event[0]} is staged already")
        self.event = (name, payload)

    @property
    def code(self) -> str | None:
        """The dossier's code after this change (reception gives it one)."""
        code: str | None = self.values.get("code", self.dossier.code)
        return code

    @property
    def identity(self) -> DossierIdentity:
        """What every event of the dossier starts with (`events.identity`), with its code after the change:
        a dossier never received (no code) has no event."""
        dossier, code = self.dossier, self.code
        if code is None:
            raise ValueError(f"dossier {dossier.id} has no code: it was never received, so it has no event")
        return events.identity(
            dossier_id=dossier.id,
            code=code,
            portal_id=dossier.portal_id,
            agency_code=dossier.agency_code,
        )


@asynccontextmanager
async def changing(
    session: AsyncSession,
    desk: Desk,
    dossier: Dossier,
    *,
    audit_action: str,
    audit_detail: dict[str, Any] | None = None,
    versioned: bool = True,
) -> AsyncIterator[Change]:
    """Stage a change of `dossier` in the block; its end writes it, with the audit row `audit_action`.
    `versioned=False` keeps the version: the decision not to receive a submission (form 02 or 03),
    after which its life has no event."""
    change = Change(dossier, desk.clock.now())
    yield change
    values = dict(change.values)
    if versioned and (values or change.event):
        values["version"] = dossier.version + 1
    if values:
        await repository.update_dossier(session, dossier.id, {**values, "updated_at": change.at})
    version: int = values.get("version", dossier.version)
    for status, note in change.shown:
        await repository.add_timeline(session, dossier.id, change.at, status, note)
    if change.event is not None:
        name, payload = change.event
        await desk.outbox.add(
            session,
            name=f"dossier.{name}",
            topic=dossier_subject(dossier.agency_code, name),
            subject=change.code,
            dossier_version=version,
            data=payload.data(),
        )
    await audit.record(
        session,
        audit_log,
        who=desk.who,
        at=change.at,
        action=audit_action,
        entity=f"dossier:{change.code or dossier.id}",
        detail=audit_detail,
    )
