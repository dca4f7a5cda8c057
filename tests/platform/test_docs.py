"""The docs stay true: every setting is in the README, every stream in the AsyncAPI document (the rest of
the document: tests/platform/test_asyncapi.py)."""

import subprocess
import sys
from pathlib import Path

import jwt
import yaml

from services.deadline.settings import DeadlineSettings
from services.intake.settings import IntakeSettings
from services.reporting.settings import ReportingSettings
from services.survey.settings import SurveySettings
from shared import security_table
from shared.messaging.subjects import STREAMS
from shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [
        f"MOTCUA_{name.upper()}"
        for name in [
            *ServiceSettings.model_fields,
            *IntakeSettings.model_fields,
            *DeadlineSettings.model_fields,
            *SurveySettings.model_fields,
            *ReportingSettings.model_fields,
        ]
        if f"MOTCUA_{name.upper()}" not in readme
    ]
    assert missing == []


def test_every_stream_has_a_channel_in_the_asyncapi_document() -> None:
    document = yaml.safe_load((REPO / "docs" / "asyncapi.yaml").read_text())
    addresses = {channel["address"].split(".")[0] for channel in document["channels"].values()}
    assert {spec.subjects[0].split(".")[0] for spec in STREAMS} <= addresses


def test_make_token_prints_a_token_the_services_accept() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "tools.dev_token", "--role", "officer", "--agency", "VPDK"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout.strip()
    claims = jwt.decode(printed, ServiceSettings().jwt_secret, algorithms=["HS256"])
    assert claims["role"] == "officer"
    assert claims["agency"] == "VPDK"


def test_the_security_table_is_what_the_routes_admit() -> None:
    """docs/security.md lists every endpoint with the roles its dependencies admit; regenerate it with
    `python -m shared.security_table > docs/security.md` when a route or a role changes."""
    assert (REPO / "docs" / "security.md").read_text(encoding="utf-8") == security_table.table()
