"""A service refuses, outside development, to log in with a development password of
docker-compose.yml (shared/settings.py), as it refuses the placeholder JWT secret; the message names
the setting and the `.env` variable to change. docker-compose.yml's own containers:
tests/deploy/test_compose_development_passwords.py."""

import pytest
from pydantic import ValidationError

from shared.services import SERVICES
from shared.settings import ServiceSettings, development_password_in

SECRET = "s" * 40
RANDOM = "5f0c2a9d8e7b6a5f4e3d2c1b0a998877"


def database_url(password: str, service: str = "intake") -> str:
    return f"postgresql+asyncpg://motcua_{service}:{password}@postgres:5432/motcua"


def nats_url(password: str, service: str = "intake") -> str:
    return f"nats://{service}:{password}@nats:4222"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("environment", ["production", "test"])
def test_a_development_database_password_is_refused_outside_development(
    service: str, environment: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(
            environment=environment,
            jwt_secret=SECRET,
            database_url=database_url(f"motcua-{service}-dev", service),
        )
    message = str(refused.value)
    assert "MOTCUA_DATABASE_URL logs in with a development password" in message
    assert f"MOTCUA_ENVIRONMENT={environment}" in message
    assert f"set MOTCUA_{service.upper()}_DB_PASSWORD to a random value" in message
    assert f"motcua-{service}-dev" not in message.split("[type=")[0], "the variable, not the value"


@pytest.mark.parametrize("service", SERVICES)
def test_a_development_nats_password_is_refused_in_production(service: str) -> None:
    with pytest.raises(
        ValidationError, match=f"MOTCUA_NATS_URL .* set MOTCUA_{service.upper()}_NATS_PASSWORD "
    ):
        ServiceSettings(
            environment="production",
            jwt_secret=SECRET,
            database_url=database_url(RANDOM, service),
            nats_url=nats_url(f"motcua-{service}-nats-dev", service),
        )


def test_development_accepts_the_development_passwords() -> None:
    settings = ServiceSettings(
        environment="development",
        database_url=database_url("motcua-intake-dev"),
        nats_url=nats_url("motcua-intake-nats-dev"),
    )
    assert settings.environment == "development"


def test_production_accepts_random_passwords() -> None:
    settings = ServiceSettings(
        environment="production",
        jwt_secret=SECRET,
        database_url=database_url(RANDOM),
        nats_url=nats_url(RANDOM),
    )
    assert settings.environment == "production"


def test_a_service_started_without_an_environment_refuses_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOTCUA_ENVIRONMENT", raising=False)
    monkeypatch.setenv("MOTCUA_JWT_SECRET", SECRET)
    monkeypatch.setenv("MOTCUA_DATABASE_URL", database_url("motcua-intake-dev"))
    with pytest.raises(ValidationError, match="MOTCUA_ENVIRONMENT=production"):
        ServiceSettings()


def test_a_development_password_is_found_however_the_url_spells_it() -> None:
    assert development_password_in(database_url("motcua%2Dintake%2Ddev")) == "MOTCUA_INTAKE_DB_PASSWORD"
    several = f"nats://nats-0:4222,{nats_url('motcua-routing-nats-dev', 'routing')}"
    assert development_password_in(several) == "MOTCUA_ROUTING_NATS_PASSWORD"
    assert development_password_in(database_url("motcua-postgres-dev")) == "MOTCUA_POSTGRES_PASSWORD"
    # One compose does not name for a service (an agency's, a superuser's URL copied): still refused.
    assert development_password_in(nats_url("motcua-agency-vpdk-dev", "agency_VPDK")) == ""


def test_urls_without_a_development_password_pass() -> None:
    for url in (
        database_url(RANDOM),
        "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua",  # no password at all
        "nats://127.0.0.1:4222",
        nats_url("motcua-dev"),  # not compose's pattern
        "postgresql+asyncpg://u:p@host:port/db",  # unparsable: the driver says so, not this check
    ):
        assert development_password_in(url) is None, url


def test_an_unnamed_development_password_is_refused_with_advice_all_the_same() -> None:
    with pytest.raises(ValidationError, match=r"MOTCUA_NATS_URL .* give it a random password"):
        ServiceSettings(
            environment="production", jwt_secret=SECRET, nats_url=nats_url("motcua-agency-vpdk-dev")
        )
