"""Every service does what its OpenAPI document says: every operation called with the edge values of
its own document (schemathesis' coverage phase: bounds and one past them, empty and over-long strings,
missing and unexpected fields, no token), in the roles that get past its authorization, against the
service running as deployed (`python -m shared.serve`) on the session's servers. No answer is a 500;
each status, content type, header and body is one the document declares (problem+json errors
included, `shared.openapi_contract`); what the schema says is invalid is refused; a 405 names every
method of its path. A failure's report names the request."""

import asyncio
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.auth import Role, issue_token
from shared.services import SERVICES
from tests.conftest import Stack
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port

SCHEMATHESIS = shutil.which("st", path=str(Path(sys.executable).parent))
SEED = "20261126"
# Who gets past each service's authorization: the counter and the catalogue's admin at intake, the
# agencies' staff at routing, and so on (a role refused everywhere would only test the 403).
ROLES: dict[str, tuple[tuple[Role, str | None], ...]] = {
    "intake": (("admin", None), ("reception", None)),
    "routing": (("officer", "VPDK"), ("leader", "VPDK")),
    "deadline": (("admin", None), ("leader", "VPDK")),
    "survey": (("admin", None), ("officer", "VPDK")),
    "reporting": (("admin", None),),
}
# The streamed NDJSON import has no generator (and its own tests: tests/intake/importing/test_import.py).
NOT_GENERATED = ("/v1/dossiers/import",)


@pytest.fixture(scope="module")
def running(stack: Stack) -> Iterator[dict[str, str]]:
    """Every service, as its own process, at its base URL."""
    ports = {service: free_port() for service in SERVICES}
    extra = {"survey": {"survey_token_secret": secrets.token_urlsafe(48)}}
    processes = [
        stack.start_service(service, ports[service], **extra.get(service, {})) for service in SERVICES
    ]
    bases = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    try:

        async def all_ready() -> None:
            await asyncio.wait_for(asyncio.gather(*(wait_ready(b) for b in bases.values())), 60)

        asyncio.run(all_ready())
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


@pytest.mark.skipif(SCHEMATHESIS is None, reason="schemathesis (a dev dependency) is not installed")
@pytest.mark.parametrize(
    ("service", "role", "agency"),
    [(service, role, agency) for service in SERVICES for role, agency in ROLES[service]],
)
def test_every_generated_request_gets_a_documented_answer(
    running: dict[str, str], stack: Stack, service: str, role: Role, agency: str | None, tmp_path: Path
) -> None:
    token = issue_token(stack.jwt_secret, sub="fuzz", role=role, agency=agency)
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{running[service]}/openapi.json",
        "--checks=all",
        # A schema cannot say every rule (a cursor this API gave, a procedure in force today): valid
        # by the schema is not the same as acceptable.
        "--exclude-checks=positive_data_acceptance",
        "--phases=coverage",
        f"--seed={SEED}",
        "--header",
        f"Authorization: Bearer {token}",
        *(f"--exclude-path={path}" for path in NOT_GENERATED),
        f"--report-dir={tmp_path}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
