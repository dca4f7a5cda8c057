"""The reporting service's FastAPI app: its read models, their consumers, the reports and the rebuild.

Its sub-domains, each a package: `processing` (the processing read model, its processing and
service-level reports), `satisfaction` (the satisfaction read model and its report), `indicators`,
`delays`, `six_month` (the printable half-year report), `units` (the receiving units and the
agencies' levels and successors the reports group, filter and roll up by), `rebuild` and `dashboard`.
"""

from dataclasses import replace

from fastapi import APIRouter, FastAPI

from services.reporting.dashboard import api as dashboard_api
from services.reporting.delays import api as delays_api
from services.reporting.indicators import api as indicators_api
from services.reporting.lag import Lag
from services.reporting.models import messaging
from services.reporting.processing import api as processing_api
from services.reporting.processing.events import SUBJECTS as PROCESSING_SUBJECTS
from services.reporting.processing.handlers import dossier_batch, dossier_handlers
from services.reporting.processing.models import PROCESSING_TABLES
from services.reporting.processing.rebuilder import FactsRebuilder
from services.reporting.processing_times import api as processing_times_api
from services.reporting.readmodels import ReadModel, subscriptions
from services.reporting.rebuild import api as rebuild_api
from services.reporting.rebuild.runner import Runner
from services.reporting.satisfaction import api as satisfaction_api
from services.reporting.satisfaction.handlers import HANDLERS as SATISFACTION_HANDLERS
from services.reporting.satisfaction.handlers import SUBJECTS as SATISFACTION_SUBJECTS
from services.reporting.satisfaction.models import SATISFACTION_TABLES
from services.reporting.settings import ReportingSettings
from services.reporting.six_month import api as six_month_api
from services.reporting.units.handlers import HANDLERS as UNITS_HANDLERS
from services.reporting.units.handlers import SUBJECTS as UNITS_SUBJECTS
from services.reporting.units.models import UNITS_TABLES
from shared.app import Runtime, ServiceSpec, create_service_app
from shared.clock import Clock, SystemClock


def read_models() -> list[ReadModel]:
    """Every read model: what the consumers feed and a rebuild refills. A new model is one entry:
    its tables, and per stream its subjects and handlers by event type (merged with the others')."""
    return [
        ReadModel(
            name="processing",
            tables=PROCESSING_TABLES,
            handlers={"DOSSIERS": (PROCESSING_SUBJECTS, dossier_handlers())},
            batch={"DOSSIERS": dossier_batch()},
            rebuilder=FactsRebuilder,
        ),
        ReadModel(
            name="satisfaction",
            tables=SATISFACTION_TABLES,
            handlers={
                stream: (subjects, SATISFACTION_HANDLERS[stream])
                for stream, subjects in SATISFACTION_SUBJECTS.items()
            },
        ),
        ReadModel(
            name="units",
            tables=UNITS_TABLES,
            handlers={
                stream: (subjects, UNITS_HANDLERS[stream]) for stream, subjects in UNITS_SUBJECTS.items()
            },
        ),
    ]


# Every router of the service, in the order the API documents them; a new one is one line here.
ROUTERS: list[APIRouter] = [
    processing_api.router,
    rebuild_api.router,
    satisfaction_api.router,
    indicators_api.router,
    processing_times_api.router,
    delays_api.router,
    six_month_api.router,
    dashboard_api.router,
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
    runner = Runner(read_models, settings.rebuild_batch_size, clock)

    async def sample_lag(runtime: Runtime) -> None:
        await lag.run(runtime, settings.reporting_lag_poll_seconds)

    spec = replace(SPEC, subscriptions=subs, background=[sample_lag, runner.serve])
    app = create_service_app(spec, settings, clock)
    app.state.rebuilds = runner
    app.state.lag = lag
    return app
