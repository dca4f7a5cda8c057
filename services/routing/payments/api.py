"""A step's payments (nộp phí, lệ phí, nghĩa vụ tài chính): record one, list them."""

from typing import Any

from fastapi import APIRouter, Response, status

from services.routing.deps import OfficerDep, StepId
from services.routing.payments import rules, service
from services.routing.payments.schemas import PaymentIn, PaymentOut
from services.routing.steps.actions import parse_step_id
from shared.deps import AgencyStaff, SessionDep

router = APIRouter(prefix="/v1", tags=["steps"])

_RECORD_ERRORS: dict[int | str, dict[str, Any]] = {
    200: {"model": PaymentOut, "description": "The same payment was recorded before: it, unchanged."},
    404: {"description": "No such step (`step_not_found`)."},
    403: {"description": "The step is at another agency (`not_your_agency`); nothing changed."},
    409: {
        "description": "The step never asked for a financial obligation (`no_obligation`), or its "
        "`reference` names another payment (`payment_reference_conflict`). Nothing changed."
    },
    422: {
        "description": "The body is not valid (`validation_error`: e.g. `amount` missing, not above 0 "
        "or above 10^12), or `paid_at` is in the future (`paid_at_in_future`) or before the dossier's "
        "receipt (`paid_at_before_receipt`). Nothing changed."
    },
}
_LIST_ERRORS: dict[int | str, dict[str, Any]] = {
    404: _RECORD_ERRORS[404],
    403: {"description": "The step is at another agency (`not_your_agency`)."},
}


@router.post(
    "/steps/{step_id}/obligation/payments",
    response_model=PaymentOut,
    status_code=status.HTTP_201_CREATED,
    responses=_RECORD_ERRORS,
)
async def record_payment(
    step_id: StepId, body: PaymentIn, response: Response, session: SessionDep, officer: OfficerDep
) -> PaymentOut:
    """Record a payment of the financial obligation the step asked for (`dossier.fee_paid`).

    A fee, charge or tax paid (nộp phí, lệ phí, nghĩa vụ tài chính); `channel` online, through an
    online payment platform, counts towards Decision 766's online payment rate.

    Allowed once the step has asked for an obligation (409 `no_obligation` otherwise), whether it is
    still paused or has resumed since. `paid_at` lies between the dossier's receipt and now, 5 minutes
    of clock skew allowed (422 `paid_at_before_receipt`, `paid_at_in_future`). The same `reference`
    sent again with the same facts answers 200 with the recorded payment and records nothing (a payment
    platform's callback replayed); with other facts it is 409 `payment_reference_conflict`. A payment
    without a reference is a new one each time."""
    payment = rules.Payment(
        amount=body.amount, channel=body.channel, paid_at=body.paid_at, reference=body.reference
    )
    recorded = await service.record(session, officer, parse_step_id(step_id), payment)
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
    return PaymentOut.from_row(recorded.row, recorded.code)


@router.get("/steps/{step_id}/obligation/payments", response_model=list[PaymentOut], responses=_LIST_ERRORS)
async def list_payments(step_id: StepId, session: SessionDep, who: AgencyStaff) -> list[PaymentOut]:
    """The payments recorded at a step of your agency, earliest paid first."""
    code, rows = await service.payments(session, who, parse_step_id(step_id))
    return [PaymentOut.from_row(row, code) for row in rows]
