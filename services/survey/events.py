"""Survey's events (docs/events.md), built as their shared payload types (shared/events/survey.py).

Reporting builds satisfaction by agency, period, channel and question from `survey.submitted` alone. It
never carries the comment, the reason's text or anything about who voted: `reason_given` says only that
there was one. The feedback events never carry an item's content, its answer or the citizen's contact.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal
from uuid import UUID

from shared.events.survey import (
    BallotSubmitted,
    FeedbackAnswered,
    FeedbackForwarded,
    FeedbackReceived,
    FormVersion,
)

SUBMITTED: Final = "survey.submitted"
FEEDBACK_RECEIVED: Final = "survey.feedback_received"
FEEDBACK_ANSWERED: Final = "survey.feedback_answered"
FEEDBACK_FORWARDED: Final = "survey.feedback_forwarded"


def submitted(
    *,
    ballot_id: UUID,
    form_code: str,
    form_version: int,
    agency_code: str,
    dossier_code: str | None,
    channel: Literal["portal", "kiosk", "counter"],
    answers: dict[str, str],
    reason_given: bool,
    submitted_at: datetime,
) -> BallotSubmitted:
    """`survey.submitted` (phiếu đánh giá đã gửi)."""
    return BallotSubmitted(
        ballot_id=ballot_id,
        form=FormVersion(code=form_code, version=form_version),
        agency_code=agency_code,
        dossier_code=dossier_code,
        channel=channel,
        answers=answers,
        reason_given=reason_given,
        submitted_at=submitted_at,
    )


def feedback_received(item: Mapping[str, Any]) -> FeedbackReceived:
    """`survey.feedback_received` (tiếp nhận), from the stored item's values (never its content or
    contact)."""
    return FeedbackReceived(
        feedback_id=item["id"],
        kind=item["kind"],
        topic=item["topic"],
        agency_code=item["agency_code"],
        dossier_code=item["dossier_code"],
        source=item["source"],
        received_at=item["received_at"],
        answer_due_at=item["answer_due_at"],
    )


def feedback_answered(
    *, feedback_id: UUID, agency_code: str, answered_at: datetime, answer_due_at: datetime, on_time: bool
) -> FeedbackAnswered:
    """`survey.feedback_answered` (trả lời)."""
    return FeedbackAnswered(
        feedback_id=feedback_id,
        agency_code=agency_code,
        answered_at=answered_at,
        answer_due_at=answer_due_at,
        on_time=on_time,
    )


def feedback_forwarded(
    *,
    feedback_id: UUID,
    from_agency_code: str,
    agency_code: str,
    forwarded_at: datetime,
    answer_due_at: datetime,
) -> FeedbackForwarded:
    """`survey.feedback_forwarded` (chuyển): the due date does not move."""
    return FeedbackForwarded(
        feedback_id=feedback_id,
        from_agency_code=from_agency_code,
        agency_code=agency_code,
        forwarded_at=forwarded_at,
        answer_due_at=answer_due_at,
    )
