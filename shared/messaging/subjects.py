"""NATS subjects and the JetStream streams they live in.

Dossier events carry the agency code as a subject token (`dossier.<agency>.<event>`), so a NATS
permission on `dossier.VPDK.>` gives an agency's system its own events and nothing else.
"""

import re
from dataclasses import dataclass

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def token(value: str) -> str:
    """A value usable as one subject token: `.`, `*`, `>` and spaces would split or widen a subject."""
    cleaned = _UNSAFE.sub("_", value.strip())
    if not cleaned:
        raise ValueError("a subject token cannot be empty")
    return cleaned


def dossier_subject(agency_code: str, event: str) -> str:
    """`dossier_subject("VPDK", "step.assigned")` -> `dossier.VPDK.step.assigned`."""
    return f"dossier.{token(agency_code)}.{event}"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str


STREAMS = (
    StreamSpec("DOSSIERS", ("dossier.>",), "Lifecycle events of dossiers, agency code as a token"),
    StreamSpec("CATALOG", ("catalog.>",), "Receiving units, agencies, procedures and calendar overrides"),
    StreamSpec("SURVEYS", ("survey.>",), "Ballots and feedback"),
)
