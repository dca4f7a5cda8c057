"""Field types and models that the packages' schemas share: text as stored (NFC, no control character),
codes, the channel, and the applicant."""

from typing import Annotated, Literal

from pydantic import AfterValidator, StringConstraints

from shared import inputs
from shared.text import nfc

# Control characters are refused (`shared.inputs`): PostgreSQL cannot store U+0000.
Text = Annotated[str, AfterValidator(nfc), StringConstraints(min_length=1, max_length=500), inputs.ONE_LINE]
LongText = Annotated[
    str, AfterValidator(nfc), StringConstraints(min_length=1, max_length=4000), inputs.MANY_LINES
]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
# A unit's code (mã đơn vị), the prefix of its dossiers' codes: levels of letters and digits separated
# by single dots, lowest first, ending in the province (`000.00.12.H57`). No empty level, so no code
# is "." or "..", which a URL path would read as a directory.
UNIT_CODE_PATTERN = r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$"
UNIT_CODE_LENGTH = 40
UnitCode = Annotated[str, StringConstraints(pattern=UNIT_CODE_PATTERN, max_length=UNIT_CODE_LENGTH)]
Channel = Literal["direct", "post", "online"]
ApplicantKind = Literal["person", "organisation"]


class ApplicantIn(inputs.Strict):
    kind: ApplicantKind = "person"
    name: Text
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{6,20}$")] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 .-]{8,20}$")] | None = None
    email: Annotated[str, StringConstraints(max_length=200), inputs.ONE_LINE] | None = None
    address: Text | None = None
