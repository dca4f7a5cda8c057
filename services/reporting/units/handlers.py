"""The units read model's consumers (CATALOG): units registered and closed, agencies registered (level,
unit, successor) and closed.

Each handler runs in the consumer's unit of work and never commits. A registration and a closing own
separate columns, and each keeps the latest by the event's time, so any order and any repetition of a
unit's events give the same row.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, or_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.units.models import agency_levels, units
from shared.events.catalog import AgencyClosed, AgencyRegistered, UnitClosed, UnitRegistered
from shared.messaging.consumer import Handler
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data


async def _latest(session: AsyncSession, table: Table, code: str, owned: dict[str, Any], stamp: str) -> None:
    """Set `owned` on the row of `code` unless a later event (by `stamp`) already set them."""
    statement = insert(table).values(code=code, **owned)
    column = table.c[stamp]
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["code"],
            set_=owned,
            where=or_(column.is_(None), column <= statement.excluded[stamp]),
        )
    )


async def unit_registered(event: CloudEvent, session: AsyncSession) -> None:
    unit = parse_data(UnitRegistered, event)
    owned = {
        "name": unit.name,
        "kind": unit.kind,
        "parent_code": unit.parent_code,
        "effective_from": unit.effective_from,
        "effective_to": unit.effective_to,
        "successor_code": unit.successor_code,
        "registered_at": event.time,
    }
    await _latest(session, units, unit.code, owned, "registered_at")


async def unit_closed(event: CloudEvent, session: AsyncSession) -> None:
    closed = parse_data(UnitClosed, event)
    owned = {
        "closed_to": closed.effective_to,
        "closed_successor_code": closed.successor_code,
        "closed_at": event.time,
    }
    await _latest(session, units, closed.code, owned, "closed_at")


async def agency_registered(event: CloudEvent, session: AsyncSession) -> None:
    agency = parse_data(AgencyRegistered, event)
    owned = {
        "level": agency.level,
        "unit_code": agency.unit_code,
        "effective_to": agency.effective_to,
        "successor_code": agency.successor_code,
        "registered_at": event.time,
    }
    await _latest(session, agency_levels, agency.code, owned, "registered_at")


async def agency_closed(event: CloudEvent, session: AsyncSession) -> None:
    closed = parse_data(AgencyClosed, event)
    owned = {
        "closed_to": closed.effective_to,
        "closed_successor_code": closed.successor_code,
        "closed_at": event.time,
    }
    await _latest(session, agency_levels, closed.code, owned, "closed_at")


# The subjects join the satisfaction model's catalog.agency.registered on the one CATALOG durable.
SUBJECTS: Mapping[str, tuple[str, ...]] = {
    "CATALOG": (
        "catalog.unit.registered",
        "catalog.unit.closed",
        "catalog.agency.registered",
        "catalog.agency.closed",
    ),
}
HANDLERS: Mapping[str, Mapping[str, Handler]] = {
    "CATALOG": {
        event_type("catalog.unit.registered"): unit_registered,
        event_type("catalog.unit.closed"): unit_closed,
        event_type("catalog.agency.registered"): agency_registered,
        event_type("catalog.agency.closed"): agency_closed,
    },
}
