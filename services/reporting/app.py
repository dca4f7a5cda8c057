"""The reporting service's FastAPI app."""

from fastapi import FastAPI

from services.reporting.models import messaging
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="reporting",
    title="motcua Reporting (báo cáo thống kê)",
    description="Read models rebuilt from events: periodic reports, indicators, exports and the dashboard.",
    tables=messaging,
)


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(SPEC, settings, clock)
