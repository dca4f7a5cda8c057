"""The routing service's FastAPI app: its sub-domains' routers and the consumers of other services'
events."""

from dataclasses import replace

from fastapi import FastAPI

from services.routing.control_slip.api import router as control_slip_router
from services.routing.inbound.handlers import SUBJECTS, handlers
from services.routing.models import messaging
from services.routing.payments.api import router as payments_router
from services.routing.plans.api import router as plans_router
from services.routing.queues.api import router as queues_router
from services.routing.steps.api import router as steps_router
from services.routing.transfers.api import router as transfers_router
from services.routing.working_calendar import CALENDAR_HANDLERS
from shared import calendar_replica
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock, SystemClock
from shared.messaging.consumer import Subscription
from shared.messaging.outbox import Outbox
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="routing",
    title="motcua Routing (luân chuyển hồ sơ)",
    description="Route plans, agency queues, officer actions and paper transfers between agencies.",
    tables=messaging,
    # The officers' actions first: a request is matched against the routers in order
    # (`create_service_app`).
    routers=[
        steps_router,
        queues_router,
        payments_router,
        plans_router,
        control_slip_router,
        transfers_router,
    ],
)


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    clock = clock or SystemClock()
    # The handlers stage events too: bind them to this app's clock, as the routes are through ClockDep.
    outbox = Outbox(messaging.outbox, SPEC.name, clock)
    subscriptions = [
        Subscription(stream="DOSSIERS", subjects=SUBJECTS, handlers=handlers(outbox, clock)),
        # The calendar's admin overrides, owned by the deadline service (durable `routing-catalog`).
        Subscription(stream="CATALOG", subjects=calendar_replica.SUBJECTS, handlers=CALENDAR_HANDLERS),
    ]
    return create_service_app(replace(SPEC, subscriptions=subscriptions), settings, clock)
