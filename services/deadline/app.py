"""The deadline service's FastAPI app: its sub-domains' routes, its consumers and its watcher."""

from dataclasses import replace

from fastapi import FastAPI

from services.deadline.apology.api import router as apology_router
from services.deadline.calendar.api import router as calendar_router
from services.deadline.calendar.calendars import Calendars
from services.deadline.calendar.handlers import CATALOG_SUBJECTS, catalog_handlers
from services.deadline.clocks.api import router as clocks_router
from services.deadline.clocks.handlers import DOSSIER_SUBJECTS, dossier_batch, dossier_handlers
from services.deadline.context import Context
from services.deadline.extensions.api import router as extensions_router
from services.deadline.models import messaging
from services.deadline.reminders.api import router as reminders_router
from services.deadline.settings import DeadlineSettings
from services.deadline.watcher.watcher import Watcher
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock, SystemClock
from shared.messaging.consumer import Subscription
from shared.messaging.outbox import Outbox

SPEC = ServiceSpec(
    name="deadline",
    title="motcua Deadline (theo dõi thời hạn)",
    description=(
        "Working-day calendar, SLA clocks per dossier and step, warnings, extensions and apology letters."
    ),
    tables=messaging,
    routers=[clocks_router, extensions_router, calendar_router, apology_router, reminders_router],
)


def create_app(settings: DeadlineSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or DeadlineSettings()
    clock = clock or SystemClock()
    # The handlers stage events and read the calendar too: one context for them and the routes.
    context = Context(
        outbox=Outbox(messaging.outbox, SPEC.name, clock),
        clock=clock,
        calendars=Calendars(settings.hours),
        due_soon_hours=settings.due_soon_hours,
    )
    subscriptions = [
        # A backlog is applied a fetch at a time (issue #12: one event per transaction fell behind).
        Subscription(
            stream="DOSSIERS",
            subjects=DOSSIER_SUBJECTS,
            handlers=dossier_handlers(context),
            batch=dossier_batch(context),
        ),
        Subscription(stream="CATALOG", subjects=CATALOG_SUBJECTS, handlers=catalog_handlers()),
    ]
    # due_soon / overdue: one leading process runs its cycles (tests call `watcher.cycle` directly).
    watcher = Watcher(context, interval_seconds=settings.watch_interval_seconds)
    spec = replace(SPEC, subscriptions=subscriptions, background=[watcher.run])
    app = create_service_app(spec, settings, clock)
    app.state.deadline = context
    app.state.watcher = watcher
    return app
