"""The intake service's FastAPI app."""

from fastapi import FastAPI

from services.intake.models import messaging
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="intake",
    title="motcua Intake (tiếp nhận hồ sơ)",
    description=(
        "Procedure catalogue, reception at the counter and online, digitization, receipts, "
        "look-up and historical import."
    ),
    tables=messaging,
)


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(SPEC, settings, clock)
