"""Thin routes of the extensions: the requests heard, and their decisions."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.deadline.extensions import repository, rules
from services.deadline.extensions.schemas import ExtensionOut, Page
from shared.deps import OffsetQuery, Overseers, SessionDep
from shared.errors import Problem
from shared.inputs import Text

router = APIRouter(prefix="/v1", tags=["extensions"])

_AGENCY_ONLY = "Officers and leaders see their own agency's dossiers and steps only."


@router.get(
    "/extensions",
    response_model=Page[ExtensionOut],
    responses={403: {"description": "a leader asking for another agency"}},
)
async def list_extensions(
    session: SessionDep,
    who: Overseers,
    agency: Annotated[Text | None, Query(min_length=1, max_length=50)] = None,
    state: Literal["granted", "denied"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> Page[ExtensionOut]:
    """Extension requests (xin gia hạn) and their decisions, newest request first: a leader's own
    agency (the default for leaders), any agency or all for admin and auditor."""
    if who.role == "leader":
        if agency is not None and agency != who.agency:
            raise Problem(403, "not_your_agency", _AGENCY_ONLY)
        agency = who.agency
    rows, total = await repository.list_extensions(
        session, agency=agency, state=state, limit=limit, offset=offset
    )
    items = [
        ExtensionOut.model_validate(
            {**r._mapping, "denial_text": rules.DENIALS.get(r.denial_code) if r.denial_code else None}
        )
        for r in rows
    ]
    return Page[ExtensionOut](items=items, total=total, limit=limit, offset=offset)
