"""The intake service's own request dependencies and role combinations. Those several services share
(`Admin`, `Reception`, `CounterOrPortal`, `Staff`, the session, the clock, the outbox) are in
`shared.deps`."""

from typing import Annotated

from fastapi import Depends, Path, Request

from services.intake.dossiers.change import Desk
from services.intake.settings import IntakeSettings
from shared.auth import CurrentPrincipal, Principal, require_roles
from shared.inputs import Text
from shared.ratelimit import RateLimiter
from shared.storage import BlobStore, LocalDiskStore


async def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


IntakeSettingsDep = Annotated[IntakeSettings, Depends(_settings)]


async def _desk(request: Request, who: CurrentPrincipal) -> Desk:
    # From app.state at once, not through the outbox, clock and settings dependencies: resolving each
    # cost every hot write tens of microseconds of FastAPI's (issue #17's profile).
    state = request.app.state
    return Desk(outbox=state.outbox, clock=state.clock, who=who, default_unit=state.settings.centre_unit_code)


DeskDep = Annotated[Desk, Depends(_desk)]


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

# Who may read a digitized file: the staff but the auditor.
ScanReaders = Annotated[Principal, Depends(require_roles("reception", "officer", "leader", "admin"))]
