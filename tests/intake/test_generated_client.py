"""A client generated from intake's OpenAPI document by a maintained generator works against the
running service: it submits, reads and looks up a dossier, and decodes a 422 and a 409 as problems
(issue #18)."""

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from services.intake.app import create_app
from services.intake.settings import IntakeSettings
from shared.auth import issue_token
from tests.conftest import Stack
from tests.served import served
from tools import clientgen

USE = Path(__file__).with_name("generated_client_use.py")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("client")
    clientgen.generate("intake", "motcua_intake", out)
    return out


def test_a_generated_client_submits_reads_looks_up_and_decodes_problems(
    stack: Stack, generated: Path
) -> None:
    unit = f"{uuid.uuid4().int % 10**6:06d}.12.H57"
    app = create_app(stack.settings("intake", IntakeSettings, centre_unit_code=unit))
    token = issue_token(stack.jwt_secret, sub="portal-dev", role="reception", unit=unit)
    with served(app) as base:
        done = subprocess.run(
            [str(clientgen.python()), str(USE), base, token, str(uuid.uuid4())],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(generated)},
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    code = seen["submitted"]["code"]
    assert seen["submitted"] == {"status": 201, "code": code, "name": "Trần Thị Ánh Tuyết"}
    assert code.startswith(f"{unit}-")
    assert seen["read"]["code"] == code
    assert seen["read"]["status"] == "received"
    assert seen["public"] == {"code": code, "status": "received", "timeline": ["submitted", "received"]}
    assert seen["unknown"] == {"status": 422, "code": "unknown_procedure"}
    assert seen["conflict"]["status"] == 409
    assert seen["conflict"]["code"] == "idempotency_key_reused"
