"""docker-compose.yml never runs production with its development passwords: it is `development` unless
`.env` says `production`, and then every container that holds one of them refuses to start, naming
the variable of `.env` to set (the services through shared/settings.py, postgres and nats through
deploy/compose/refuse-development-passwords.sh).

Compose's `${VAR:-default}` and `${VAR:?message}` are interpolated here as Compose does, with a
`.env` given by each test; the settings are built and the script run as the containers would.
"""

import re
import secrets
import subprocess
from typing import Any

import pytest
from pydantic import ValidationError

from shared.settings import DEVELOPMENT_PASSWORD, DEVELOPMENT_PASSWORD_VARIABLES, ServiceSettings

from .test_compose import ROOT, SERVICES, environment, service

SCRIPT = ROOT / "deploy" / "compose" / "refuse-development-passwords.sh"
SCRIPT_IN_CONTAINER = "/motcua/refuse-development-passwords.sh"
VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::(?P<kind>[-?])(?P<rest>[^}]*))?\}")
SECRETS = {
    "MOTCUA_JWT_SECRET": secrets.token_hex(32),
    "MOTCUA_SURVEY_TOKEN_SECRET": secrets.token_hex(32),
}


def interpolated(value: Any, dotenv: dict[str, str]) -> Any:
    """`value` as Compose passes it to the container with this `.env` (None: not passed)."""
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match["name"], match["kind"], match["rest"]
        if dotenv.get(name):
            return dotenv[name]
        if kind == "?":
            raise AssertionError(f"compose refuses to start without {name}: {rest}")
        return rest if kind == "-" else ""

    return VARIABLE.sub(one, value)


def container_environment(name: str, dotenv: dict[str, str]) -> dict[str, str]:
    return {
        key: interpolated(value, dotenv)
        for key, value in service(name)["environment"].items()
        if value is not None
    }


def service_settings(name: str, dotenv: dict[str, str]) -> ServiceSettings:
    """The settings `name` starts with: its container's MOTCUA_ variables."""
    values: dict[str, Any] = {
        key.removeprefix("MOTCUA_").lower(): value
        for key, value in container_environment(name, dotenv).items()
        if key.startswith("MOTCUA_")
    }
    return ServiceSettings(**values)


def compose_defaults() -> dict[str, str]:
    """Every `${VAR:-default}` of docker-compose.yml: variable -> its development default."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    found = {
        match["name"]: match["rest"]
        for line in text.splitlines()
        if not line.lstrip().startswith("#")
        for match in VARIABLE.finditer(line)
        if match["kind"] == "-"
    }
    assert found
    return found


def passwords_of_env_file() -> dict[str, str]:
    """A `.env` setting every password compose has a default for, as docs/deploy.md makes it."""
    return {name: secrets.token_hex(24) for name in compose_defaults() if "PASSWORD" in name}


def run_refusal_script(name: str, dotenv: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The entrypoint of container `name` with this `.env`, in front of `echo started`."""
    entrypoint = service(name)["entrypoint"]
    assert entrypoint[:2] == ["/bin/sh", SCRIPT_IN_CONTAINER]
    return subprocess.run(
        ["/bin/sh", str(SCRIPT), "echo", "started"],
        env={"PATH": "/usr/bin:/bin", **container_environment(name, dotenv)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_compose_is_production_unless_env_file_says_development() -> None:
    for name in [*SERVICES, "provision", "migrate", "postgres", "nats"]:
        assert environment(name)["MOTCUA_ENVIRONMENT"] == "${MOTCUA_ENVIRONMENT:-production}", name


def test_every_password_default_of_compose_is_a_recognisable_development_password() -> None:
    for variable, default in compose_defaults().items():
        if "PASSWORD" not in variable:
            continue
        assert DEVELOPMENT_PASSWORD.fullmatch(default), (variable, default)
        # The ones a service's URL holds are named back to the operator by the variable to set.
        if not variable.startswith("MOTCUA_NATS_PASSWORD_"):
            assert DEVELOPMENT_PASSWORD_VARIABLES[default] == variable


@pytest.mark.parametrize("name", SERVICES)
def test_in_development_a_service_starts_with_compose_s_defaults(name: str) -> None:
    assert (
        service_settings(name, {**SECRETS, "MOTCUA_ENVIRONMENT": "development"}).environment == "development"
    )


@pytest.mark.parametrize("name", SERVICES)
def test_a_env_file_that_says_no_environment_refuses_the_development_passwords(name: str) -> None:
    with pytest.raises(ValidationError, match="MOTCUA_ENVIRONMENT=production"):
        service_settings(name, SECRETS)


@pytest.mark.parametrize("name", SERVICES)
def test_in_production_a_service_refuses_each_development_password_naming_its_variable(name: str) -> None:
    production = {**SECRETS, "MOTCUA_ENVIRONMENT": "production"}
    database = f"MOTCUA_{name.upper()}_DB_PASSWORD"
    nats = f"MOTCUA_{name.upper()}_NATS_PASSWORD"

    with pytest.raises(ValidationError, match=f"MOTCUA_DATABASE_URL .* set {database} "):
        service_settings(name, production)
    with pytest.raises(ValidationError, match=f"MOTCUA_NATS_URL .* set {nats} "):
        service_settings(name, {**production, database: secrets.token_hex(24)})

    settings = service_settings(name, {**production, **passwords_of_env_file()})
    assert settings.environment == "production"


@pytest.mark.parametrize("name", ["postgres", "nats"])
def test_postgres_and_nats_run_the_refusal_before_their_own_command(name: str) -> None:
    mounts = service(name)["volumes"]
    assert f"./deploy/compose/refuse-development-passwords.sh:{SCRIPT_IN_CONTAINER}:ro" in mounts
    assert SCRIPT.is_file()
    entrypoint = service(name)["entrypoint"]
    # postgres keeps its image's entrypoint (it initialises the data directory); nats has none to keep.
    assert entrypoint[2:] == (["docker-entrypoint.sh"] if name == "postgres" else [])


@pytest.mark.parametrize("name", ["postgres", "nats"])
def test_postgres_and_nats_start_in_development_with_compose_s_defaults(name: str) -> None:
    started = run_refusal_script(name, {"MOTCUA_ENVIRONMENT": "development"})
    assert started.returncode == 0, started.stderr
    assert started.stdout == "started\n"


def test_in_production_postgres_refuses_its_development_password() -> None:
    refused = run_refusal_script("postgres", {"MOTCUA_ENVIRONMENT": "production"})
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "MOTCUA_POSTGRES_PASSWORD" in refused.stderr
    assert "motcua-postgres-dev" not in refused.stderr, "names, never values"

    dotenv = {"MOTCUA_ENVIRONMENT": "production", **passwords_of_env_file()}
    assert run_refusal_script("postgres", dotenv).stdout == "started\n"


def test_in_production_nats_refuses_every_development_password_of_services_and_agencies() -> None:
    dotenv = {"MOTCUA_ENVIRONMENT": "production", **passwords_of_env_file()}
    assert run_refusal_script("nats", dotenv).stdout == "started\n"

    forgotten = ["MOTCUA_INTAKE_NATS_PASSWORD", "MOTCUA_NATS_PASSWORD_VPDK", "MOTCUA_NATS_PASSWORD_BHXH"]
    refused = run_refusal_script("nats", {k: v for k, v in dotenv.items() if k not in forgotten})
    assert refused.returncode == 1
    named = refused.stderr.split(": ")[-1].split(" (docs/deploy.md)")[0].split()
    assert named == sorted(forgotten)


def test_without_an_environment_the_script_is_production() -> None:
    """The services default to production (shared/settings.py); so does the script."""
    refused = subprocess.run(
        ["/bin/sh", str(SCRIPT), "echo", "started"],
        env={"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": "motcua-postgres-dev"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1
    assert "MOTCUA_ENVIRONMENT=production" in refused.stderr
