"""The survey service's FastAPI app: its packages' routes, head checks and state, and its subscriptions."""

from dataclasses import replace

from fastapi import FastAPI

from services.survey.ballots.agencies import KnownAgencies
from services.survey.ballots.api import router as ballots_router
from services.survey.ballots.limits import BallotLimits, ballot_sender
from services.survey.ballots.service import BallotBox
from services.survey.ballots.writer import BallotWriter
from services.survey.feedback.api import router as feedback_router
from services.survey.feedback.limits import FeedbackLimits, feedback_sender
from services.survey.forms import default_form
from services.survey.forms.api import router as forms_router
from services.survey.forms.cache import FormCache
from services.survey.handlers import CATALOG_HANDLERS, CATALOG_SUBJECTS, DOSSIER_SUBJECTS, dossier_handlers
from services.survey.invitations.api import router as invitations_router
from services.survey.models import messaging
from services.survey.settings import SurveySettings
from services.survey.working_calendar import CALENDAR_HANDLERS
from shared import calendar_replica
from shared.app import Runtime, ServiceSpec, create_service_app
from shared.clock import Clock, SystemClock
from shared.db.engine import unit_of_work
from shared.messaging.consumer import Subscription
from shared.messaging.outbox import Outbox


async def _load_default_form(runtime: Runtime) -> None:
    settings = runtime.settings
    if isinstance(settings, SurveySettings) and settings.survey_load_default_form:
        async with unit_of_work(runtime.sessions) as session:
            await default_form.load_if_empty(session, clock=runtime.clock)


SPEC = ServiceSpec(
    name="survey",
    title="motcua Survey (khảo sát hài lòng)",
    description=(
        "Survey forms, satisfaction ballots from the portal, counters and kiosks, feedback and complaints."
    ),
    tables=messaging,
    # Ballots first: a request is matched against the routers in order (`create_service_app`).
    routers=[ballots_router, forms_router, invitations_router, feedback_router],
    on_start=_load_default_form,
    # Who sends is judged before the body is read (`services.survey.senders`).
    head_checks={
        ("POST", "/v1/ballots"): ballot_sender,
        ("POST", "/v1/feedback"): feedback_sender,
    },
)


def create_app(settings: SurveySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or SurveySettings()
    clock = clock or SystemClock()
    subscriptions = [
        # The agencies a ballot or a feedback item may name (durable `survey-catalog`).
        # And the calendar's admin overrides, owned by the deadline service, for answers' dues.
        Subscription(
            stream="CATALOG",
            subjects=(*CATALOG_SUBJECTS, *calendar_replica.SUBJECTS),
            handlers={**CATALOG_HANDLERS, **CALENDAR_HANDLERS},
        ),
        Subscription(
            stream="DOSSIERS",
            subjects=DOSSIER_SUBJECTS,
            handlers=dossier_handlers(invitation_days=settings.survey_invitation_days),
        ),
    ]
    app = create_service_app(replace(SPEC, subscriptions=subscriptions), settings, clock)
    app.state.ballot_box = BallotBox(
        outbox=Outbox(messaging.outbox, SPEC.name, clock),
        clock=clock,
        settings=settings,
        forms=FormCache(),
        agencies=KnownAgencies(),
        writer=BallotWriter(),
    )
    # One bucket per device (or IP), never one for all kiosks together; a wider one per IP; one per account.
    app.state.ballot_limits = BallotLimits.from_settings(settings)
    app.state.feedback_limits = FeedbackLimits.from_settings(settings)
    return app
