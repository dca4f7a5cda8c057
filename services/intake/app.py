"""The intake service's FastAPI app."""

from fastapi import FastAPI

from services.intake.catalogue.api import router as catalogue_router
from services.intake.catalogue.default import load_if_empty
from services.intake.decision_forms.api import router as decision_forms_router
from services.intake.documents.api import router as documents_router
from services.intake.handlers import CALENDAR_HANDLERS, HANDLERS, SUBJECTS
from services.intake.importing.api import router as importing_router
from services.intake.models import messaging
from services.intake.receipt.api import router as receipt_router
from services.intake.reception.api import router as reception_router
from services.intake.settings import IntakeSettings
from services.intake.units.api import router as units_router
from services.intake.units.service import ensure_default_unit
from shared import calendar_replica
from shared.app import Runtime, ServiceSpec, create_service_app
from shared.clock import Clock
from shared.db.engine import unit_of_work
from shared.messaging.consumer import Subscription
from shared.ratelimit import RateLimiter


async def _on_start(runtime: Runtime) -> None:
    """The default receiving unit registered when absent, then the default catalogue when empty."""
    settings = runtime.settings
    if not isinstance(settings, IntakeSettings):
        return
    async with unit_of_work(runtime.sessions) as session:
        await ensure_default_unit(
            session,
            outbox=runtime.outbox,
            clock=runtime.clock,
            code=settings.centre_unit_code,
            name=settings.centre_name,
        )
    if settings.load_default_catalogue:
        async with unit_of_work(runtime.sessions) as session:
            await load_if_empty(
                session,
                outbox=runtime.outbox,
                clock=runtime.clock,
                unit_code=settings.centre_unit_code,
                province=settings.load_province_catalogue,
            )


SPEC = ServiceSpec(
    name="intake",
    title="motcua Intake (tiếp nhận hồ sơ)",
    description=(
        "Receiving units, procedure catalogue, reception at the counter and online, digitization, receipts, "
        "look-up and historical import."
    ),
    tables=messaging,
    # Reception first: a request is matched against the routers in order (`create_service_app`).
    routers=[
        reception_router,
        units_router,
        catalogue_router,
        receipt_router,
        decision_forms_router,
        importing_router,
        documents_router,
    ],
    subscriptions=[
        Subscription(stream="DOSSIERS", subjects=SUBJECTS, handlers=HANDLERS),
        # The calendar's admin overrides, owned by the deadline service (durable `intake-catalog`).
        Subscription(stream="CATALOG", subjects=calendar_replica.SUBJECTS, handlers=CALENDAR_HANDLERS),
    ],
    on_start=_on_start,
    # Streamed with limits of their own: MOTCUA_MAX_UPLOAD_BYTES, and 64 KiB a line.
    own_body_limits=("/v1/dossiers/{key}/documents/{document_code}", "/v1/dossiers/import"),
)


def create_app(settings: IntakeSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    app = create_service_app(SPEC, settings, clock)
    app.state.lookup_limiter = RateLimiter(per_minute=settings.lookup_per_minute, burst=5)
    return app
