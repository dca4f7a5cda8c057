"""The reporting service's FastAPI app: its read models, their consumers, the reports and the rebuild."""

from dataclasses import replace

from fastapi import APIRouter, FastAPI

from services.reporting import (
    api,
    api_documents,
    api_indicators,
    api_satisfaction,
    dashboard,
    inbound,
    survey_handlers,
)
from services.reporting.handlers import dossier_batch, dossier_handlers
from services.reporting.lag import Lag
from services.reporting.models import MODEL_A_TABLES, messaging
from services.reporting.readmodels import ReadModel, subscriptions
from services.reporting.rebuild import FactsRebuilder, Runner
from services.reporting.settings import ReportingSettings
from services.reporting.survey_models import MODEL_B_TABLES
from shared.app import Runtime, ServiceSpec, create_service_app
from shared.clock import Clock, SystemClock


def read_models() -> list[ReadModel]:
    """Every read model: what the consumers feed and a rebuild refills. A new model is one entry:
    its tables, and per stream its subjects and handlers by event type (merged with the others')."""
    return [
        # Model A: processing and service-level reports (dossier_facts, report_cells, report_tree).
        ReadModel(
            name="processing",
            tables=MODEL_A_TABLES,
            handlers={"DOSSIERS": (inbound.SUBJECTS, dossier_handlers())},
            batch={"DOSSIERS": dossier_batch()},
            rebuilder=FactsRebuilder,
        ),
        # Model B: satisfaction, feedback, step outcomes (delays), agency names.
        ReadModel(
            name="satisfaction",
            tables=MODEL_B_TABLES,
            handlers={
                stream: (subjects, survey_handlers.HANDLERS[stream])
                for stream, subjects in survey_handlers.SUBJECTS.items()
            },
        ),
    ]


# Every router of the service; a new one is one line here.
ROUTERS: list[APIRouter] = [
    api.router,
    api_satisfaction.router,
    api_indicators.router,
    api_documents.router,
    dashboard.router,
]

SPEC = ServiceSpec(
    name="reporting",
    title="motcua Reporting (báo cáo thống kê)",
    description="Read models rebuilt from events: periodic reports, indicators, exports and the dashboard.",
    tables=messaging,
    routers=ROUTERS,
)


def create_app(settings: ReportingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or ReportingSettings()
    clock = clock or SystemClock()
    models = read_models()
    lag = Lag(clock, tuple(dict.fromkeys(s for m in models for s in m.streams)))
    subs = subscriptions(models, lag)
    runner = Runner(read_models, settings.rebuild_batch_size)

    async def sample_lag(runtime: Runtime) -> None:
        await lag.run(runtime, settings.reporting_lag_poll_seconds)

    spec = replace(SPEC, subscriptions=subs, background=[sample_lag, runner.serve])
    app = create_service_app(spec, settings, clock)
    app.state.rebuilds = runner
    app.state.lag = lag
    return app
