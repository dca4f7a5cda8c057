"""Who may see a dossier and what is filed with it: one rule for every endpoint of every service.

- admin and auditor: every dossier;
- reception: the dossiers received at its unit (the token's `unit`) or to be returned there; a dossier
  whose units are not known (null: stored before units, i.e. the default unit's) is every reception's,
  and so is every dossier for a reception token without `unit` (a single-unit deployment; intake refuses
  such a token where more than one unit is open);
- a portal account: the dossiers it submitted;
- officers and leaders: the dossiers whose route holds their agency, as lead or as a step's agency.

A portal account is told that another's dossier does not exist (404): codes are sequential and must
not be probed from the internet. Staff of an agency off the route get 403 `not_your_agency`, and
reception of another unit 403 `not_your_unit`, which tells them why.
"""

from collections.abc import Iterable

from shared.auth import Principal
from shared.errors import Problem

EVERY_DOSSIER = frozenset({"admin", "auditor"})


def unit_may_see(unit: str | None, *, receiving_unit: str | None, return_unit: str | None) -> bool:
    """Whether reception of `unit` (None: no unit claim) sees a dossier received at `receiving_unit` to
    be returned at `return_unit` (None: the receiving unit; both None: the dossier's units unknown)."""
    if unit is None or receiving_unit is None:
        return True
    return unit in (receiving_unit, return_unit or receiving_unit)


def may_see(
    who: Principal,
    *,
    agencies: Iterable[str],
    submitted_by: str | None,
    receiving_unit: str | None = None,
    return_unit: str | None = None,
) -> bool:
    if who.role in EVERY_DOSSIER:
        return True
    if who.role == "reception":
        return unit_may_see(who.unit, receiving_unit=receiving_unit, return_unit=return_unit)
    if who.role == "portal":
        return submitted_by is not None and who.sub == submitted_by
    return who.role in ("officer", "leader") and who.agency is not None and who.agency in set(agencies)


def ensure_may_see(
    who: Principal,
    code: str,
    *,
    agencies: Iterable[str],
    submitted_by: str | None = None,
    receiving_unit: str | None = None,
    return_unit: str | None = None,
) -> None:
    """Raise the refusal `who` gets for dossier `code` unless the rule lets them see it."""
    if may_see(
        who,
        agencies=agencies,
        submitted_by=submitted_by,
        receiving_unit=receiving_unit,
        return_unit=return_unit,
    ):
        return
    if who.role == "portal":
        raise Problem(404, "dossier_not_found", f"No dossier {code}.")
    if who.role == "reception":
        raise Problem(
            403,
            "not_your_unit",
            f"Dossier {code} is received at unit {receiving_unit} and returned at "
            f"{return_unit or receiving_unit}, not at {who.unit}: reception sees its own unit's dossiers.",
        )
    raise Problem(
        403,
        "not_your_agency",
        f"Dossier {code} is not routed through agency {who.agency}: only the agencies on its route, "
        "reception, administrators and auditors see it.",
    )
