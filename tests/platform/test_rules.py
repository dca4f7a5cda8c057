"""Pure parts of the platform: settings, envelope, subjects, log redaction, backoff, clock."""

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.backoff import backoff_delay
from shared.clock import FixedClock
from shared.db.transient import is_transient
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.subjects import dossier_subject, token
from shared.observability.logging import JsonFormatter, redact
from shared.ratelimit import RateLimiter
from shared.settings import DEVELOPMENT_JWT_SECRET, ServiceSettings


def test_placeholder_jwt_secret_is_refused_outside_development() -> None:
    assert ServiceSettings(environment="development").jwt_secret == DEVELOPMENT_JWT_SECRET
    for environment in ("test", "production"):
        with pytest.raises(ValidationError, match="MOTCUA_JWT_SECRET"):
            ServiceSettings(environment=environment)
        with pytest.raises(ValidationError, match="MOTCUA_JWT_SECRET"):
            ServiceSettings(environment=environment, jwt_secret="short")
    assert ServiceSettings(environment="production", jwt_secret="x" * 40).environment == "production"
    assert ServiceSettings(environment="production", jwt_jwks_url="https://sso.example/jwks").jwt_jwks_url


def test_a_service_started_without_an_environment_is_production_and_refuses_the_placeholder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MOTCUA_ENVIRONMENT", raising=False)
    with pytest.raises(ValidationError, match="MOTCUA_ENVIRONMENT=production"):
        ServiceSettings()
    assert ServiceSettings(jwt_secret="x" * 40).environment == "production"


def test_settings_come_from_motcua_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_NATS_URL", "nats://elsewhere:4222")
    monkeypatch.setenv("MOTCUA_OUTBOX_RETENTION_DAYS", "30")
    settings = ServiceSettings()
    assert settings.nats_url == "nats://elsewhere:4222"
    assert settings.outbox_retention_days == 30


def test_event_types_are_versioned_and_envelopes_round_trip() -> None:
    assert event_type("dossier.received") == "vn.motcua.dossier.received.v1"
    assert event_type("dossier.received", 2) == "vn.motcua.dossier.received.v2"
    event = CloudEvent(
        source="/motcua/intake",
        type=event_type("dossier.received"),
        subject="000.00.12.H57-210618-0001",
        time=datetime(2021, 6, 18, 1, 30, tzinfo=UTC),
        data={"applicant": "Nguyễn Thị Ánh"},
        dossierversion=1,
    )
    parsed = json.loads(event.to_json())
    assert parsed["specversion"] == "1.0"
    assert parsed["data"]["applicant"] == "Nguyễn Thị Ánh"
    assert CloudEvent.model_validate_json(event.to_json()) == event


def test_envelopes_from_strangers_are_rejected() -> None:
    with pytest.raises(ValidationError):
        CloudEvent.model_validate(
            {"source": "/elsewhere", "type": "x", "time": "2021-01-01T00:00:00Z", "data": {}}
        )


def test_agency_codes_become_single_subject_tokens() -> None:
    assert dossier_subject("VPDK", "step.assigned") == "dossier.VPDK.step.assigned"
    assert token("000.00.12.H57") == "000_00_12_H57"
    assert token("a*b>c d") == "a_b_c_d"
    with pytest.raises(ValueError, match="empty"):
        token("  ")


def test_personal_numbers_are_masked_in_logs() -> None:
    assert redact("CCCD 046095001234 gọi 0912345678 hoặc +84912345678") == (
        "CCCD [redacted] gọi [redacted] hoặc [redacted]"
    )
    assert redact("hồ sơ 000.00.12.H57-210618-0001") == "hồ sơ 000.00.12.H57-210618-0001"
    record = logging.makeLogRecord({"msg": "applicant %s", "args": ("046095001234",), "phone": "0912345678"})
    line = json.loads(JsonFormatter("intake").format(record))
    assert "046095001234" not in json.dumps(line)
    assert line["phone"] == "[redacted]"


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n, base=1.0, cap=10.0) for n in range(1, 8)]
    assert 0.8 <= delays[0] <= 1.2
    assert 3.2 <= delays[2] <= 4.8
    assert all(d <= 12.0 for d in delays)


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2021, 2, 9, 8, 0, tzinfo=UTC))
    assert clock.now() == datetime(2021, 2, 9, 8, 0, tzinfo=UTC)
    clock.advance(timedelta(hours=1))
    assert clock.now().hour == 9
    with pytest.raises(ValueError, match="timezone"):
        FixedClock(datetime(2021, 2, 9))


def test_a_refunded_charge_can_be_spent_again_but_never_above_the_burst() -> None:
    limiter = RateLimiter(per_minute=0.001, burst=2)
    assert limiter.allow("k", now=0.0)
    assert limiter.allow("k", now=0.0)
    assert not limiter.allow("k", now=0.0)
    limiter.refund("k")
    assert limiter.allow("k", now=0.0)
    for _ in range(5):
        limiter.refund("k")
    assert [limiter.allow("k", now=0.0) for _ in range(3)] == [True, True, False]


def test_an_exhausted_pool_is_worth_a_retry_and_a_bad_statement_is_not() -> None:
    # A pool whose connections all stayed busy answers 503 with Retry-After, not 500.
    assert is_transient(PoolTimeout("QueuePool limit of size 10 overflow 10 reached"))
    assert not is_transient(ValueError("no such column"))
