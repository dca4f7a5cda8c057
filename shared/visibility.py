"""Who may see a dossier and what is filed with it: one rule for every endpoint of every service.

- admin and auditor: every dossier;
- reception: every dossier (a unit's reception, its unit's, once units exist);
- a portal account: the dossiers it submitted;
- officers and leaders: the dossiers whose route holds their agency, as lead or as a step's agency.

A portal account is told that another's dossier does not exist (404): codes are sequential and must
not be probed from the internet. Staff of an agency off the route get 403 `not_your_agency`, which
tells them why.
"""

from collections.abc import Iterable

from shared.auth import Principal
from shared.errors import Problem

EVERY_DOSSIER = frozenset({"admin", "auditor", "reception"})


def may_see(who: Principal, *, agencies: Iterable[str], submitted_by: str | None) -> bool:
    if who.role in EVERY_DOSSIER:
        return True
    if who.role == "portal":
        return submitted_by is not None and who.sub == submitted_by
    return who.role in ("officer", "leader") and who.agency is not None and who.agency in set(agencies)


def ensure_may_see(
    who: Principal, code: str, *, agencies: Iterable[str], submitted_by: str | None = None
) -> None:
    """Raise the refusal `who` gets for dossier `code` unless the rule lets them see it."""
    if may_see(who, agencies=agencies, submitted_by=submitted_by):
        return
    if who.role == "portal":
        raise Problem(404, "dossier_not_found", f"No dossier {code}.")
    raise Problem(
        403,
        "not_your_agency",
        f"Dossier {code} is not routed through agency {who.agency}: only the agencies on its route, "
        "reception, administrators and auditors see it.",
    )
