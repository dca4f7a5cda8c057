"""A rule a form or a ballot breaks, as the rules name it, and the 422 that names them all at once, so a
kiosk can show every one; the first one's code is the response's `code`."""

from dataclasses import dataclass

from shared.errors import Problem


@dataclass(frozen=True)
class Violation:
    code: str
    detail: str


def unprocessable(violations: list[Violation]) -> Problem:
    """422 with the first violation's code, and every violation listed for the screen."""
    first = violations[0]
    return Problem(
        422,
        first.code,
        " ".join(v.detail for v in violations),
        extra={"violations": [{"code": v.code, "detail": v.detail} for v in violations]},
    )
