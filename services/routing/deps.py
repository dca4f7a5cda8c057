"""The routing service's request dependencies. Who may call is always one of the shared role sets
(`shared.deps`): routing has no combination of its own."""

from typing import Annotated

from fastapi import Depends, Path

from services.routing.context import context_for
from services.routing.steps.actions import Officer
from shared.deps import AgencyStaff, ClockDep, OutboxDep, SessionDep
from shared.inputs import Text


async def _officer(session: SessionDep, outbox: OutboxDep, clock: ClockDep, who: AgencyStaff) -> Officer:
    return Officer(await context_for(session, outbox, clock), who)


OfficerDep = Annotated[Officer, Depends(_officer)]

# Path keys reach the database: no control character may (PostgreSQL refuses U+0000).
StepId = Annotated[Text, Path(description="the step's id")]
DossierCode = Annotated[Text, Path(description="the dossier code")]
AgencyCode = Annotated[Text, Path(description="the agency's code")]
