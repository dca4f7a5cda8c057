"""The deadline service's FastAPI app."""

from fastapi import FastAPI

from services.deadline.models import messaging
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="deadline",
    title="motcua Deadline (theo dõi thời hạn)",
    description=(
        "Working-day calendar, SLA clocks per dossier and step, warnings, extensions and apology letters."
    ),
    tables=messaging,
)


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(SPEC, settings, clock)
