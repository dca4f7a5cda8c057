"""Use cases of the catalogue (danh mục): agencies, fields and versioned procedures.

Every change emits a `catalog.*` event so the other services keep what they need of it.
"""

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import history
from services.intake.catalogue import repository, rules
from services.intake.catalogue.schemas import AgencyCloseIn, AgencyIn, FieldIn, ProcedureIn
from services.intake.catalogue.snapshot import procedure_snapshot
from services.intake.models import audit_log
from services.intake.units import repository as units_repository
from shared import audit
from shared.auth import Principal
from shared.clock import Clock, today
from shared.errors import Problem
from shared.events.catalog import AgencyClosed, AgencyRegistered, FieldRegistered, ProcedureSnapshot
from shared.inputs import FIRST_DAY
from shared.messaging.outbox import Outbox
from shared.routes import route_days
from shared.text import search_key


async def create_agency(
    session: AsyncSession,
    *,
    outbox: Outbox,
    clock: Clock,
    who: Principal,
    agency: AgencyIn,
    default_unit: str,
) -> dict[str, Any]:
    """Register an agency (cơ quan); its code is the token agencies' systems subscribe with. It belongs
    to a registered receiving unit and is in force from `effective_from` (default: since before any
    dossier) to `effective_to`; one registered closed may name its successor (a merger)."""
    await repository.lock_agencies(session)
    if await repository.agency(session, agency.code) is not None:
        raise Problem(409, "agency_exists", f"Agency {agency.code} already exists.")
    unit_code = agency.unit_code or default_unit
    if await units_repository.unit(session, unit_code) is None:
        raise Problem(422, "unknown_unit", f"There is no receiving unit {unit_code}; register it first.")
    effective_from = agency.effective_from or FIRST_DAY
    history.check_period("agency", effective_from, agency.effective_to)
    if agency.successor_code is not None:
        if agency.effective_to is None:
            raise Problem(
                422,
                "successor_without_end",
                "A successor takes over a closed agency: give effective_to, the agency's last day, too.",
            )
        await _check_successor(session, agency.code, agency.successor_code)
    registered = AgencyRegistered(
        **{**agency.model_dump(), "unit_code": unit_code, "effective_from": effective_from}
    )
    row = registered.model_dump()
    await repository.add_agency(session, row)
    await outbox.add(
        session, name="catalog.agency.registered", topic="catalog.agency.registered", data=registered.data()
    )
    await audit.record(
        session,
        audit_log,
        who=who,
        at=clock.now(),
        action="agency.registered",
        entity=f"agency:{agency.code}",
    )
    return row


async def close_agency(
    session: AsyncSession, *, outbox: Outbox, clock: Clock, who: Principal, code: str, close: AgencyCloseIn
) -> dict[str, Any]:
    """Close an agency after its last day in force; a merger names the agency that takes over.
    Procedure versions and dossiers that named it keep it."""
    await repository.lock_agencies(session)
    row = await repository.agency(session, code)
    if row is None:
        raise Problem(404, "agency_not_found", f"No agency {code}.")
    if row.effective_to is not None:
        raise Problem(
            409, "agency_closed", f"Agency {code} is already closed (its last day: {row.effective_to})."
        )
    history.check_period("agency", row.effective_from, close.effective_to)
    if close.successor_code is not None:
        await _check_successor(session, code, close.successor_code)
    await repository.close_agency(
        session, code, effective_to=close.effective_to, successor_code=close.successor_code
    )
    closed = AgencyClosed(code=code, **close.model_dump())
    await outbox.add(session, name="catalog.agency.closed", topic="catalog.agency.closed", data=closed.data())
    await audit.record(
        session,
        audit_log,
        who=who,
        at=clock.now(),
        action="agency.closed",
        entity=f"agency:{code}",
        detail=closed.data(),
    )
    return {**row._asdict(), **close.model_dump()}


async def _check_successor(session: AsyncSession, code: str, successor: str) -> None:
    """`successor` is a registered agency and taking over `code` makes no cycle (a chain of mergers
    is short: one read per link)."""
    chain: dict[str, str | None] = {}
    current: str | None = successor
    while current is not None and current not in chain and current != code:
        exists, after = await repository.successor_of(session, current)
        if not exists:
            break
        chain[current] = after
        current = after
    history.check_link("agency", code, successor, "successor", chain)


async def ensure_field(session: AsyncSession, *, outbox: Outbox, field_in: FieldIn) -> None:
    if await repository.field(session, field_in.code) is None:
        await repository.add_field(session, code=field_in.code, name=field_in.name)
        await outbox.add(
            session,
            name="catalog.field.registered",
            topic="catalog.field.registered",
            data=FieldRegistered(code=field_in.code, name=field_in.name).data(),
        )


async def publish_procedure(
    session: AsyncSession, *, outbox: Outbox, clock: Clock, who: Principal, procedure: ProcedureIn
) -> ProcedureSnapshot:
    """Add a procedure, or a new version of it effective from a date; dossiers keep their version."""
    effective_from = procedure.effective_from or today(clock)
    await _check(session, outbox=outbox, procedure=procedure, effective_from=effective_from)
    version = await repository.latest_procedure_version(session, procedure.code) + 1
    values = {
        **procedure.model_dump(exclude={"field_name", "effective_from"}, mode="json"),
        "processing_days": procedure.processing_days,
        "online_processing_days": procedure.online_processing_days,
        "cutoff": procedure.cutoff,
        "version": version,
        "effective_from": effective_from,
        "search_key": search_key(procedure.name),
        "created_by": who.sub,
    }
    procedure_id = await repository.add_procedure(session, values)
    snapshot = procedure_snapshot(await repository.procedure_by_id(session, procedure_id))
    await outbox.add(
        session, name="catalog.procedure.published", topic="catalog.procedure.published", data=snapshot.data()
    )
    await audit.record(
        session,
        audit_log,
        who=who,
        at=clock.now(),
        action="procedure.published",
        entity=f"procedure:{procedure.code}",
        detail={"version": version},
    )
    return snapshot


async def _check(
    session: AsyncSession, *, outbox: Outbox, procedure: ProcedureIn, effective_from: date
) -> None:
    """Its field (created when named), its agencies (registered, in force on the version's first day)
    and its route's days, before a version is added."""
    if procedure.field_name:
        await ensure_field(
            session, outbox=outbox, field_in=FieldIn(code=procedure.field_code, name=procedure.field_name)
        )
    elif await repository.field(session, procedure.field_code) is None:
        raise Problem(
            422,
            "unknown_field",
            f"Field {procedure.field_code} does not exist; give field_name to create it.",
        )
    wanted = {procedure.agency_code, *(step.agency_code for step in procedure.route)}
    found = await repository.agencies_by_code(session, wanted)
    unknown = sorted(wanted - set(found))
    if unknown:
        raise Problem(
            422, "unknown_agency", f"Unknown agency code(s): {', '.join(unknown)}; register them first."
        )
    out_of_force = sorted(
        code
        for code, row in found.items()
        if not rules.in_force(row.effective_from, row.effective_to, effective_from)
    )
    if out_of_force:
        raise Problem(
            422,
            "agency_not_in_force",
            f"Agency(ies) {', '.join(out_of_force)} not in force on {effective_from}, the version's first "
            "day; name the agencies in force then (GET /v1/agencies?on=).",
        )
    route_takes = route_days([(step.group, step.days) for step in procedure.route])
    if procedure.route and route_takes != procedure.processing_days:
        raise Problem(
            422,
            "route_days_mismatch",
            f"The route takes {route_takes} days (its steps one after another, a group as long as its "
            f"longest step), not the procedure's {procedure.processing_days} processing days.",
        )
