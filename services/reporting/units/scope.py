"""Which receiving units a report covers (the `unit=` option and the caller's own unit), and the
`agencies=` option every report grouping by agency or unit takes (`successors.py`).

A leader whose token carries `unit` sees only that unit and the units under it; a `unit=` outside that
subtree is refused. Administrators, auditors and a leader without `unit` see every unit.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.units import repository
from services.reporting.units.successors import Agencies
from shared.auth import Principal
from shared.errors import Problem

UnitQuery = Annotated[
    str | None,
    Query(description="a receiving unit's code: only that unit and the units under it (its subtree)"),
]

AgenciesQuery = Annotated[
    Agencies,
    Query(
        description="as_registered (default): each agency (and receiving unit) as it was in the period, "
        "under its name then; successors: an agency (or unit, by=unit) closed by the period's end is "
        "rolled up into the one that took over, following chains of mergers, and named as that one; "
        "totals unchanged"
    ),
]


@dataclass(frozen=True)
class UnitScope:
    """`codes`: the receiving units a report counts (None: every unit, and the dossiers of no known
    unit too); `unit`: the unit asked for or implied by the caller's token."""

    unit: str | None
    codes: tuple[str, ...] | None


async def unit_scope(session: AsyncSession, *, principal: Principal, unit: str | None) -> UnitScope:
    """The units a report covers for this caller and `unit=` option (422 unknown_unit, 403
    not_your_unit)."""
    own = principal.unit if principal.role == "leader" else None
    if unit is not None and not await repository.is_known(session, unit):
        raise Problem(
            422, "unknown_unit", f"No receiving unit {unit!r} is known; check the code (GET /v1/units)."
        )
    if own is None:
        if unit is None:
            return UnitScope(None, None)
        return UnitScope(unit, tuple(await repository.subtree(session, unit)))
    mine = await repository.subtree(session, own)
    if unit is None:
        return UnitScope(own, tuple(mine))
    if unit not in mine:
        raise Problem(
            403, "not_your_unit", f"Unit {unit} is not {own} or under it; ask for {own} or a unit under it."
        )
    return UnitScope(unit, tuple(await repository.subtree(session, unit)))
