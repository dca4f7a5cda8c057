"""The payment rules alone: when a payment may be recorded, and what a replay is."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from services.routing.payments.rules import (
    CLOCK_SKEW,
    Payment,
    Refusal,
    check_paid_at,
    is_replay,
    obligation_asked,
)
from shared.clock import VIETNAM

RECEIVED = datetime(2021, 6, 18, 8, 30, tzinfo=VIETNAM)
NOW = datetime(2021, 6, 21, 9, 0, tzinfo=VIETNAM)


def code(refusal: Refusal | None) -> tuple[int, str] | None:
    return None if refusal is None else (refusal.status, refusal.code)


def test_a_payment_between_receipt_and_now_passes_with_the_clock_skew_allowed() -> None:
    for paid_at in (RECEIVED, NOW, NOW + CLOCK_SKEW):
        assert check_paid_at(paid_at, now=NOW, received_at=RECEIVED) is None


def test_a_payment_after_now_past_the_skew_or_before_receipt_is_refused_with_its_code() -> None:
    ahead = check_paid_at(NOW + CLOCK_SKEW + timedelta(seconds=1), now=NOW, received_at=RECEIVED)
    before = check_paid_at(RECEIVED - timedelta(seconds=1), now=NOW, received_at=RECEIVED)
    assert code(ahead) == (422, "paid_at_in_future")
    assert code(before) == (422, "paid_at_before_receipt")


def test_a_step_that_never_asked_for_an_obligation_refuses_payments() -> None:
    refusal = obligation_asked(False, step_id="s-1")
    assert code(refusal) == (409, "no_obligation")
    assert refusal is not None
    assert "POST /v1/steps/s-1/obligation" in refusal.detail
    assert obligation_asked(True, step_id="s-1") is None


def test_a_replay_is_the_same_payment_in_every_fact_whatever_the_offset_it_is_written_in() -> None:
    paid = datetime(2021, 6, 21, 8, 0, tzinfo=VIETNAM)
    recorded = SimpleNamespace(
        amount=250_000, channel="online", paid_at=paid.astimezone(UTC), reference="VNP-1"
    )
    assert is_replay(recorded, Payment(250_000, "online", paid, "VNP-1"))
    assert not is_replay(recorded, Payment(250_001, "online", paid, "VNP-1"))
    assert not is_replay(recorded, Payment(250_000, "counter", paid, "VNP-1"))
    assert not is_replay(recorded, Payment(250_000, "online", paid + timedelta(minutes=1), "VNP-1"))
