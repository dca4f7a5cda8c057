"""The data of the ballot's event, `survey.submitted` (docs/events.md).

Reporting builds satisfaction by agency, period, channel and question from it alone. It never carries
the comment, the reason's text or anything about who voted: `reason_given` says only that there was one.
"""

from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

SUBMITTED: Final = "survey.submitted"


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
        "submitted_at": submitted_at.astimezone(UTC).isoformat(),
    }
