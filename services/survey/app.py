"""The survey service's FastAPI app."""

from fastapi import FastAPI

from services.survey.models import messaging
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="survey",
    title="motcua Survey (khảo sát hài lòng)",
    description="Satisfaction ballots, kiosks, feedback and complaints.",
    tables=messaging,
)


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(SPEC, settings, clock)
