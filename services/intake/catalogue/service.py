"""Use cases of the catalogue (danh mục): agencies, fields and versioned procedures.

Every change emits a `catalog.*` event so the other services keep what they need of it.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue import repository
from services.intake.catalogue.schemas import AgencyIn, FieldIn, ProcedureIn
from services.intake.catalogue.snapshot import procedure_snapshot
from services.intake.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.clock import Clock, today
from shared.errors import Problem
from shared.events.catalog import AgencyRegistered, FieldRegistered, ProcedureSnapshot
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
    """Register an agency (cơ quan); its code is the token agencies' systems subscribe with."""
    if await repository.agency(session, agency.code) is not None:
        raise Problem(409, "agency_exists", f"Agency {agency.code} already exists.")
    row = {**agency.model_dump(), "unit_code": agency.unit_code or default_unit}
    await repository.add_agency(session, row)
    registered = AgencyRegistered(**row)
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
    await _check(session, outbox=outbox, procedure=procedure)
    version = await repository.latest_procedure_version(session, procedure.code) + 1
    effective_from = procedure.effective_from or today(clock)
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


async def _check(session: AsyncSession, *, outbox: Outbox, procedure: ProcedureIn) -> None:
    """Its field (created when named), its agencies and its route's days, before a version is added."""
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
    unknown = sorted(wanted - await repository.existing_agency_codes(session, wanted))
    if unknown:
        raise Problem(
            422, "unknown_agency", f"Unknown agency code(s): {', '.join(unknown)}; register them first."
        )
    route_takes = route_days([(step.group, step.days) for step in procedure.route])
    if procedure.route and route_takes != procedure.processing_days:
        raise Problem(
            422,
            "route_days_mismatch",
            f"The route takes {route_takes} days (its steps one after another, a group as long as its "
            f"longest step), not the procedure's {procedure.processing_days} processing days.",
        )
