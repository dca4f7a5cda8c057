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
Channel = Literal["direct", "post", "online"]
ApplicantKind = Literal["person", "organisation"]


class ApplicantIn(inputs.Strict):
    kind: ApplicantKind = "person"
    name: Text
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{6,20}$")] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 .-]{8,20}$")] | None = None
    email: Annotated[str, StringConstraints(max_length=200), inputs.ONE_LINE] | None = None
    address: Text | None = None
