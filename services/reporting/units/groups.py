"""The rows a report over a period shows for agencies (or receiving units): which row each code counts
in (`agencies=`, `successors.py`) and each row's name on the period's last day.

An agency is named as its latest receipt on or before that day named it (`processing.names`); one no
dossier was ever received under (an agency only rated, or a successor with no receipt yet) by its
registered name; one never heard of by its code.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing.facts import UNKNOWN_UNIT
from services.reporting.processing.reports import UNKNOWN_UNIT_NAME
from services.reporting.processing.repository import Store
from services.reporting.satisfaction.repository import read_agency_names
from services.reporting.units import repository
from services.reporting.units.successors import SUCCESSORS, Agencies, successors_on
from shared.db.raw import driver


@dataclass(frozen=True)
class Groups:
    """`into`: code -> the row it counts in (a code absent counts in its own); `names`: row -> name."""

    into: dict[str, str]
    names: dict[str, str]


async def agency_groups(
    session: AsyncSession, codes: Iterable[str], *, on: date, agencies: Agencies
) -> Groups:
    """The rows of these agencies in a report whose last day is `on`."""
    wanted = set(codes)
    into: dict[str, str] = {}
    if agencies == SUCCESSORS:
        into = successors_on(wanted, on, await repository.links(session, of="agency"))
    shown = {into.get(code, code) for code in wanted}
    names = await Store().group_names(await driver(session), "agency", on)
    names = {code: names[code] for code in shown if code in names}
    names |= await read_agency_names(session, shown - names.keys())
    return Groups(into, names)


async def unit_groups(session: AsyncSession, codes: Iterable[str], *, on: date, agencies: Agencies) -> Groups:
    """The rows of these receiving units (`UNKNOWN_UNIT` included) in a report whose last day is `on`."""
    wanted = set(codes)
    into: dict[str, str] = {}
    if agencies == SUCCESSORS:
        into = successors_on(wanted - {UNKNOWN_UNIT}, on, await repository.links(session, of="unit"))
    shown = [into.get(code, code) for code in wanted]
    return Groups(into, {UNKNOWN_UNIT: UNKNOWN_UNIT_NAME, **await repository.names(session, shown)})
