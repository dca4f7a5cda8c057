"""Typed settings shared by every service; each value comes from a `MOTCUA_` environment variable."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The secret `make run` uses when none is given: fine on a laptop, refused anywhere else.
DEVELOPMENT_JWT_SECRET = "motcua-development-secret-change-me"  # noqa: S105

Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    """What every service needs: where its database and NATS are, how tokens are checked."""

    model_config = SettingsConfigDict(env_prefix="MOTCUA_", extra="ignore")

    # Production unless told otherwise: a service started with a forgotten variable must not accept
    # the placeholder secret. `make run`, `make token` and the tests say development.
    environment: Environment = "production"
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/motcua",
        description="This service's own login role; its search_path is its own schema.",
    )
    nats_url: str = "nats://127.0.0.1:4222"
    data_dir: Path = Path(".run")

    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    jwt_jwks_url: str | None = Field(
        default=None, description="When set, tokens are RS256 and verified against this JWKS."
    )
    jwt_audience: str | None = None
    jwt_issuer: str | None = None

    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or CIDRs of the reverse proxies whose X-Forwarded-For "
        "gives the client's address (rate limits key on it); none by default.",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="The largest request body read (413 beyond), uploads and "
        "the NDJSON import aside: they stream under limits of their own.",
    )
    max_header_bytes: int = Field(
        default=16_384, ge=4096, description="The most header bytes accepted (431)."
    )

    host: str = "127.0.0.1"
    port: int | None = Field(default=None, description="Defaults to the service's fixed port (8001-8005).")
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes (one per core)")
    log_level: str = "INFO"
    migrate_on_start: bool = True
    startup_database_wait_seconds: float = Field(
        default=120.0,
        ge=0,
        description="How long start-up waits for the database to answer before giving up (exit 3).",
    )
    stream_replicas: int = Field(default=1, description="3 on a NATS cluster.")
    db_pool_size: int = 10

    outbox_poll_seconds: float = Field(
        default=1.0, description="Fallback poll when no NOTIFY arrives (the relay is woken on commit)."
    )
    outbox_batch_size: int = 500
    outbox_retention_days: int = Field(
        default=7, description="Sent outbox rows are kept this long so a stream can be re-driven."
    )
    consumer_max_deliver: int = 100
    consumer_batch_size: int = 100

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "ServiceSettings":
        weak = self.jwt_secret == DEVELOPMENT_JWT_SECRET or len(self.jwt_secret) < 32
        if self.environment != "development" and not self.jwt_jwks_url and weak:
            raise ValueError(
                "MOTCUA_JWT_SECRET must be a random value of at least 32 characters "
                f"(or MOTCUA_JWT_JWKS_URL set) when MOTCUA_ENVIRONMENT={self.environment}"
            )
        return self
