"""The routing service's FastAPI app."""

from fastapi import FastAPI

from services.routing.models import messaging
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="routing",
    title="motcua Routing (luân chuyển hồ sơ)",
    description="Route plans, agency queues, officer actions and paper transfers between agencies.",
    tables=messaging,
)


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(SPEC, settings, clock)
