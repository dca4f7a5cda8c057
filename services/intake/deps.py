"""The intake service's own request dependencies and role combinations. Those several services share
(`Admin`, `Reception`, `CounterOrPortal`, `Staff`, the session, the clock, the outbox) are in
`shared.deps`."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Request

from services.intake.dossiers.change import Desk
from services.intake.settings import IntakeSettings
from shared.auth import Principal, Role, require_roles
from shared.inputs import Text
from shared.ratelimit import RateLimiter
from shared.storage import BlobStore, LocalDiskStore


async def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


IntakeSettingsDep = Annotated[IntakeSettings, Depends(_settings)]


def _desk_of(*roles: Role) -> Callable[..., Awaitable[Desk]]:
    """A dependency: the desk of a caller in one of `roles` (403 otherwise). The route declares it
    alone, not beside a role dependency: FastAPI solves a dependency again wherever it is declared, a
    cached one too, and every one costs each request tens of microseconds (issue #17's profile); for
    the same reason the outbox, clock and settings are read from app.state, not through theirs."""

    admitted = require_roles(*roles)

    async def desk(request: Request, who: Annotated[Principal, Depends(admitted)]) -> Desk:
        state = request.app.state
        return Desk(
            outbox=state.outbox, clock=state.clock, who=who, default_unit=state.settings.centre_unit_code
        )

    return desk


# Who hands a dossier in: the counter, or the citizen online.
CounterDesk = Annotated[Desk, Depends(_desk_of("reception", "portal"))]
ReceptionDesk = Annotated[Desk, Depends(_desk_of("reception"))]
# Who may read a digitized file: the staff but the auditor.
ScanReaderDesk = Annotated[Desk, Depends(_desk_of("reception", "officer", "leader", "admin"))]


async def _lookup_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.lookup_limiter
    return limiter


LookupLimiterDep = Annotated[RateLimiter, Depends(_lookup_limiter)]


async def _blob_store(request: Request, settings: IntakeSettingsDep) -> BlobStore:
    """`app.state.blob_store` when set at start-up (e.g. an S3-compatible store), otherwise local disk
    under `MOTCUA_DATA_DIR/attachments`."""
    store: BlobStore | None = getattr(request.app.state, "blob_store", None)
    if store is None:
        store = LocalDiskStore(settings.data_dir / "attachments")
        request.app.state.blob_store = store
    return store


BlobStoreDep = Annotated[BlobStore, Depends(_blob_store)]

# Looked up in the database: no control character may reach it (PostgreSQL refuses U+0000).
DossierKey = Annotated[Text, Path(description="the dossier's code, portal id or id")]
