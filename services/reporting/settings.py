"""Settings of the reporting service, beyond what every service has (README, "Reporting")."""

from pydantic import Field

from shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    rebuild_batch_size: int = Field(
        default=2000,
        ge=10,
        le=50_000,
        description="events applied per transaction by a rebuild (python -m services.reporting.rebuild)",
    )
    reporting_lag_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="how often the lag gauge (motcua_reporting_lag_seconds) is sampled",
    )
