"""The data of survey's events (docs/events.md).

Reporting builds satisfaction by agency, period, channel and question from `survey.submitted` alone. It
never carries the comment, the reason's text or anything about who voted: `reason_given` says only that
there was one. The feedback events never carry an item's content, its answer or the citizen's contact.
"""

from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

SUBMITTED: Final = "survey.submitted"
FEEDBACK_RECEIVED: Final = "survey.feedback_received"
FEEDBACK_ANSWERED: Final = "survey.feedback_answered"
FEEDBACK_FORWARDED: Final = "survey.feedback_forwarded"


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def submitted(
    *,
    ballot_id: UUID,
    form_code: str,
    form_version: int,
    agency_code: str,
    dossier_code: str | None,
    channel: str,
    answers: dict[str, str],
    reason_given: bool,
    submitted_at: datetime,
) -> dict[str, Any]:
    """`survey.submitted` (phiếu đánh giá đã gửi)."""
    return {
        "ballot_id": str(ballot_id),
        "form": {"code": form_code, "version": form_version},
        "agency_code": agency_code,
        "dossier_code": dossier_code,
        "channel": channel,
        "answers": answers,
        "reason_given": reason_given,
        "submitted_at": _utc(submitted_at),
    }


def feedback_received(item: dict[str, Any]) -> dict[str, Any]:
    """`survey.feedback_received` (tiếp nhận), from the stored item's values."""
    return {
        "feedback_id": str(item["id"]),
        "kind": item["kind"],
        "topic": item["topic"],
        "agency_code": item["agency_code"],
        "dossier_code": item["dossier_code"],
        "source": item["source"],
        "received_at": _utc(item["received_at"]),
        "answer_due_at": _utc(item["answer_due_at"]),
    }


def feedback_answered(
    *, feedback_id: UUID, agency_code: str, answered_at: datetime, answer_due_at: datetime, on_time: bool
) -> dict[str, Any]:
    """`survey.feedback_answered` (trả lời)."""
    return {
        "feedback_id": str(feedback_id),
        "agency_code": agency_code,
        "answered_at": _utc(answered_at),
        "answer_due_at": _utc(answer_due_at),
        "on_time": on_time,
    }


def feedback_forwarded(
    *,
    feedback_id: UUID,
    from_agency_code: str,
    agency_code: str,
    forwarded_at: datetime,
    answer_due_at: datetime,
) -> dict[str, Any]:
    """`survey.feedback_forwarded` (chuyển): the due date does not move."""
    return {
        "feedback_id": str(feedback_id),
        "from_agency_code": from_agency_code,
        "agency_code": agency_code,
        "forwarded_at": _utc(forwarded_at),
        "answer_due_at": _utc(answer_due_at),
    }
