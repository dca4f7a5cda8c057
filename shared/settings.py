"""Typed settings shared by every service; each value comes from a `MOTCUA_` environment variable."""

import re
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.services import SERVICES

# The secret `make run` uses when none is given: fine on a laptop, refused anywhere else.
DEVELOPMENT_JWT_SECRET = "motcua-development-secret-change-me"  # noqa: S105

# The passwords docker-compose.yml falls back to when `.env` sets none: `motcua-<service>-dev` (each
# service's database role), `motcua-<service>-nats-dev` (its NATS user), `motcua-postgres-dev`,
# `motcua-agency-<agency>-dev`. They are public, so a service refuses them in its database and NATS
# URLs outside development, naming the `.env` variable that sets the one it found.
DEVELOPMENT_PASSWORD = re.compile(r"motcua-[a-z0-9_-]+-dev")
DEVELOPMENT_PASSWORD_VARIABLES: dict[str, str] = {
    "motcua-postgres-dev": "MOTCUA_POSTGRES_PASSWORD",
    **{f"motcua-{service}-dev": f"MOTCUA_{service.upper()}_DB_PASSWORD" for service in SERVICES},
    **{f"motcua-{service}-nats-dev": f"MOTCUA_{service.upper()}_NATS_PASSWORD" for service in SERVICES},
}


def development_password_in(url: str) -> str | None:
    """What to set when `url` (database or NATS; several NATS URLs separated by commas) logs in with a
    development password of docker-compose.yml: the `.env` variable, or "" for a development password
    compose does not name (an agency's). None when it logs in with none of them."""
    for one in url.split(","):
        try:
            password = unquote(urlsplit(one.strip()).password or "")
        except ValueError:  # an unparsable port: the driver will say so, not this check
            continue
        if DEVELOPMENT_PASSWORD.fullmatch(password):
            return DEVELOPMENT_PASSWORD_VARIABLES.get(password, "")
    return None


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

    @model_validator(mode="after")
    def _refuse_development_passwords(self) -> "ServiceSettings":
        if self.environment == "development":
            return self
        for setting, url in (("MOTCUA_DATABASE_URL", self.database_url), ("MOTCUA_NATS_URL", self.nats_url)):
            variable = development_password_in(url)
            if variable is None:
                continue
            fix = (
                f"set {variable} to a random value (openssl rand -hex 24) in the .env beside "
                "docker-compose.yml"
                if variable
                else "give it a random password (openssl rand -hex 24)"
            )
            raise ValueError(
                f"{setting} logs in with a development password of docker-compose.yml, refused when "
                f"MOTCUA_ENVIRONMENT={self.environment}: {fix} (docs/deploy.md)"
            )
        return self
