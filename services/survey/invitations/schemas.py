"""Response model of survey invitations, and the dossier code they are found by."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

# `<receiving unit>-<yyMMdd>-<NNNN>`, e.g. 000.00.12.H57-210618-0001
DOSSIER_CODE_PATTERN = r"^[A-Za-z0-9._-]{1,60}$"
DossierCode = Annotated[str, StringConstraints(pattern=DOSSIER_CODE_PATTERN)]


class InvitationOut(BaseModel):
    dossier_code: str
    token: str = Field(description="printed or shown to the citizen; single use")
    agency_code: str
    returned_at: datetime
    expires_at: datetime
    used: bool
    used_at: datetime | None
