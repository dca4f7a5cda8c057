"""Thin route of survey invitations: parse, authorize, call the use case, shape the response."""

from typing import Annotated, Any

from fastapi import APIRouter, Path

from services.survey.deps import SurveySettingsDep
from services.survey.invitations import service
from services.survey.invitations.schemas import DOSSIER_CODE_PATTERN, InvitationOut
from shared.deps import CounterOrPortal, SessionDep

router = APIRouter(prefix="/v1", tags=["invitations"])


@router.get("/invitations/{dossier_code}", response_model=InvitationOut)
async def get_invitation(
    dossier_code: Annotated[str, Path(pattern=DOSSIER_CODE_PATTERN)],
    session: SessionDep,
    settings: SurveySettingsDep,
    who: CounterOrPortal,
) -> dict[str, Any]:
    """A returned dossier's survey invitation: the token to print on the hand-over slip (reception) or
    show on the portal (the account that submitted the dossier online), when it expires
    (`MOTCUA_SURVEY_INVITATION_DAYS` after the return) and whether it was used. 404 `no_invitation`
    until `dossier.returned` has arrived, and for a portal account on a dossier it did not submit."""
    return await service.show(session, dossier_code, secret=settings.survey_token_secret, who=who)
