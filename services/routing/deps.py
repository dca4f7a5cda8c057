"""The routing service's request dependencies. Who may call is one of the shared role sets
(`shared.deps`), except the signers of a paper transfer, whose batch goes to an agency or to a unit."""

from typing import Annotated

from fastapi import Depends, Path, Request

from services.routing.context import context_for
from services.routing.steps.actions import Officer
from shared.auth import Principal, require_roles
from shared.deps import AgencyStaff, SessionDep
from shared.inputs import Text


async def _officer(request: Request, session: SessionDep, who: AgencyStaff) -> Officer:
    # The outbox and the clock from app.state, not through their dependencies: each dependency costs
    # every action tens of microseconds of FastAPI's (issue #17's profile).
    state = request.app.state
    return Officer(await context_for(session, state.outbox, state.clock), who)


OfficerDep = Annotated[Officer, Depends(_officer)]

# Officers and leaders sign an agency's batch, reception a unit's; which of them may sign which batch
# is the batch's destination's (`transfers.service.sign`).
Signers = Annotated[Principal, Depends(require_roles("reception", "officer", "leader"))]

# Path keys reach the database: no control character may (PostgreSQL refuses U+0000).
StepId = Annotated[Text, Path(description="the step's id")]
DossierCode = Annotated[Text, Path(description="the dossier code")]
AgencyCode = Annotated[Text, Path(description="the agency's code")]
