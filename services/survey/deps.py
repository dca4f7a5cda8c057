"""The survey service's own role sets and request dependencies. The role sets several services admit
are `shared.deps`'s."""

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials

from services.survey.ballots.service import BallotBox
from services.survey.feedback.desk import Desk
from services.survey.senders import bearer
from services.survey.settings import SurveySettings
from services.survey.working_calendar import CALENDAR
from shared.auth import Principal, require_roles
from shared.deps import ClockDep, OutboxDep, SessionDep
from shared.inputs import Text

# Who works a feedback item: the agency's own staff, and administrators who re-route any item.
FeedbackHandlers = Annotated[Principal, Depends(require_roles("officer", "leader", "admin"))]
# Who reads feedback: those, and auditors.
FeedbackReaders = Annotated[Principal, Depends(require_roles("officer", "leader", "admin", "auditor"))]


async def _settings(request: Request) -> SurveySettings:
    settings: SurveySettings = request.app.state.settings
    return settings


async def _box(request: Request) -> BallotBox:
    box: BallotBox = request.app.state.ballot_box
    return box


SurveySettingsDep = Annotated[SurveySettings, Depends(_settings)]
BoxDep = Annotated[BallotBox, Depends(_box)]


async def _desk(session: SessionDep, outbox: OutboxDep, clock: ClockDep, settings: SurveySettingsDep) -> Desk:
    calendar = await CALENDAR.get(session)
    return Desk(outbox=outbox, clock=clock, calendar=calendar, answer_days=settings.feedback_answer_days)


DeskDep = Annotated[Desk, Depends(_desk)]


async def _sender(
    request: Request,
    # Declared for the API documents (the optional token, the kiosk's id); the head check used them.
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_device_id: Annotated[Text | None, Header(max_length=100, description="the kiosk's own id")] = None,
) -> Principal | None:
    sender: Principal | None = request.state.sender
    return sender


# Who sends a ballot or a feedback item, as its head check found them (`services.survey.senders`).
Sender = Annotated[Principal | None, Depends(_sender)]
