"""The anonymous endpoints (POST /v1/ballots, POST /v1/feedback) judge who sends before they read a
byte of the body: a kiosk past its limit, a forged token, a role that may not send, each answered
while the body has not even been sent. FastAPI reads a route's body before its dependencies, so this
is proven on a real server, over a raw connection that announces a body and never sends it."""

import json
import secrets
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from services.survey.app import create_app
from services.survey.settings import SurveySettings
from shared.auth import issue_token
from tests.conftest import Stack
from tests.served import read_response, served

ROUTES = ("/v1/ballots", "/v1/feedback")


def _head_only(base: str, path: str, *headers: str) -> tuple[int, str]:
    """Status and `code` of the answer to a POST whose announced 100 kB body never comes."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=2) as connection:
        head = [f"POST {path} HTTP/1.1", "Host: survey", "Content-Type: application/json"]
        head += ["Content-Length: 100000", *headers]
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            status, _, body = read_response(connection.makefile("rb"))
        except TimeoutError:
            return 0, "waited for the body"
        return status, json.loads(body)["code"]


@pytest.fixture(scope="module")
def survey_base(stack: Stack) -> Iterator[str]:
    settings = stack.settings(
        "survey",
        SurveySettings,
        survey_token_secret=secrets.token_urlsafe(48),
        survey_device_burst=1,
        survey_ip_ballots_per_minute=1,
        feedback_per_minute=1,
        feedback_ip_per_minute=1,
    )
    with served(create_app(settings)) as base:
        yield base


@pytest.mark.parametrize("path", ROUTES)
def test_a_kiosk_past_its_limit_is_refused_before_its_body_is_read(survey_base: str, path: str) -> None:
    statuses = [_head_only(survey_base, path, "X-Device-Id: kiosk-1")[0] for _ in range(2)]
    # The first passed its limit and waited for the body it announced; the second did not wait.
    assert statuses == [0, 429]


@pytest.mark.parametrize("path", ROUTES)
def test_a_forged_token_and_a_staff_role_are_refused_before_the_body(
    survey_base: str, path: str, stack: Stack
) -> None:
    forged = issue_token("not-the-secret-" + secrets.token_hex(16), sub="citizen", role="portal")
    assert _head_only(survey_base, path, f"Authorization: Bearer {forged}") == (401, "invalid_token")
    officer = issue_token(stack.jwt_secret, sub="can-bo", role="officer", agency="VPDK")
    assert _head_only(survey_base, path, f"Authorization: Bearer {officer}") == (403, "forbidden_role")
