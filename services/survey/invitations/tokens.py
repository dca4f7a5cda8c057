"""The invitation token, never stored.

It is HMAC-SHA256 under `MOTCUA_SURVEY_TOKEN_SECRET` of the dossier's id, with a context string of its
own, cut to 10 base32 characters (50 bits; guesses are rate-limited per device and per account): survey
can show it again to reception or the submitting portal account, and check it, from the dossier id
alone.
"""

import base64
import hashlib
import hmac
from uuid import UUID

TOKEN_LENGTH = 10
_CONTEXT = b"motcua/survey/invitation-token/v1:"
# What a citizen may type for what base32 spells: no 0, 1 or 8 in its alphabet.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B", "-": None, " ": None})


def invitation_token(secret: str, dossier_id: UUID) -> str:
    digest = hmac.new(secret.encode(), _CONTEXT + str(dossier_id).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:TOKEN_LENGTH]


def normalize_token(given: str) -> str:
    """As typed from paper: case, spaces, hyphens and look-alike digits do not matter."""
    return given.strip().upper().translate(_LOOKALIKES)


def token_matches(secret: str, dossier_id: UUID, given: str) -> bool:
    expected = invitation_token(secret, dossier_id).encode()
    return hmac.compare_digest(expected, normalize_token(given).encode("utf-8"))
