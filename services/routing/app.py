"""The routing service's FastAPI app."""

from dataclasses import replace

from fastapi import FastAPI

from services.routing.api import router
from services.routing.api_transfers import router as transfers_router
from services.routing.handlers import CALENDAR_HANDLERS, SUBJECTS, handlers
from services.routing.models import messaging
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
    routers=[router, transfers_router],
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
