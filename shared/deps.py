"""`Annotated` dependency aliases that routes declare: the session, the clock, the outbox, settings, and
the role sets routes of several services admit."""

from collections.abc import AsyncGenerator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import ROLES, Principal, require_roles
from shared.clock import Clock
from shared.db.raw import end_own_transaction
from shared.messaging.outbox import Outbox
from shared.settings import ServiceSettings


async def _session(request: Request) -> AsyncGenerator[AsyncSession, None]:
    """The one commit boundary of a request: commit when the route returns, roll back if it raised.

    The transaction begins with the session's first statement, not here, and a session that never
    began one is neither committed nor closed: a request whose statements all go `alone` (reception
    at the counter, routing's accept: `shared.db.raw`) skips a begin, commit and close it does not
    use, about 0.2 ms of Python (issue #17). A use case whose statements are all `Prebuilt` may run them
    in a transaction of the driver's own instead (`shared.db.raw.begin_own_transaction`), ended here
    as the session's would be."""
    session: AsyncSession = request.app.state.sessions()
    try:
        yield session
        await end_own_transaction(session, commit=True)
        if session.in_transaction():
            await session.commit()
    except BaseException:
        await end_own_transaction(session, commit=False)
        await session.close()  # rolls back what the request began and gives its connection back
        raise


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def _outbox(request: Request) -> Outbox:
    outbox: Outbox = request.app.state.outbox
    return outbox


async def _settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so a 2xx means it is durable.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
ClockDep = Annotated[Clock, Depends(_clock)]
OutboxDep = Annotated[Outbox, Depends(_outbox)]
SettingsDep = Annotated[ServiceSettings, Depends(_settings)]

# Offset pages: PostgreSQL refuses an OFFSET past bigint (a 500 before this bound), and skipping more
# than a million rows is a filter the caller forgot, not a page.
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000, description="rows to skip, at most 1,000,000")]

# Who may call: the role sets routes of several services admit. A service's own combinations are in
# its `deps.py`.
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Reception = Annotated[Principal, Depends(require_roles("reception"))]
Leader = Annotated[Principal, Depends(require_roles("leader"))]
# Who hands a dossier in: the counter, or the citizen online.
CounterOrPortal = Annotated[Principal, Depends(require_roles("reception", "portal"))]
# The agency's own staff, who work its dossiers.
AgencyStaff = Annotated[Principal, Depends(require_roles("officer", "leader"))]
# Who reads the periodic reports and the oversight lists.
Overseers = Annotated[Principal, Depends(require_roles("leader", "admin", "auditor"))]
# Everyone who works at a centre or an agency, that is every role but the citizen's.
Staff = Annotated[Principal, Depends(require_roles("reception", "officer", "leader", "admin", "auditor"))]
# Every signed-in role, the portal's too (what a portal account may then see is the visibility rule's).
SignedIn = Annotated[Principal, Depends(require_roles(*ROLES))]
