"""The default catalogue (seed/catalogue.json, the 2021 district) loaded into an empty schema on first
start; the two-tier province of 1 July 2025 (seed/province.json) after it when asked.

It goes through the same use cases as the admin API, so it emits the same `catalog.*` events and
the other services learn it the same way.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue import repository, service
from services.intake.catalogue.schemas import AgencyCloseIn, AgencyIn, FieldIn, ProcedureIn
from services.intake.units import repository as units_repository
from services.intake.units import service as units_service
from services.intake.units.schemas import UnitCloseIn, UnitIn
from shared.auth import Principal
from shared.clock import Clock
from shared.inputs import FIRST_DAY
from shared.messaging.outbox import Outbox

SEED = Path(__file__).parents[1] / "seed" / "catalogue.json"
# The two-tier province from 1 July 2025, loaded after the 2021 district catalogue when asked
# (MOTCUA_LOAD_PROVINCE_CATALOGUE): it opens units beside the default one, so a reception token must
# then name its unit.
PROVINCE_SEED = Path(__file__).parents[1] / "seed" / "province.json"
SEED_PRINCIPAL = Principal(sub="system:default-catalogue", role="admin")


def seed_data(path: Path = SEED) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


async def load_if_empty(
    session: AsyncSession, *, outbox: Outbox, clock: Clock, unit_code: str, province: bool = False
) -> bool:
    """Load the default catalogue unless the schema already has one, then, with `province`, the
    two-tier province unless already there; True when it loaded either."""
    await repository.lock_default_catalogue(session)
    loaded = False
    if not await repository.has_catalogue(session):
        await load_seed(session, outbox=outbox, clock=clock, data=seed_data(), unit_code=unit_code)
        loaded = True
    if province:
        data = seed_data(PROVINCE_SEED)
        if await repository.agency(session, data["agencies"][0]["code"]) is None:
            await load_seed(session, outbox=outbox, clock=clock, data=data, unit_code=unit_code)
            loaded = True
    return loaded


async def load_seed(
    session: AsyncSession, *, outbox: Outbox, clock: Clock, data: dict[str, Any], unit_code: str
) -> None:
    """One seed file through the admin API's use cases: its units (those absent), fields, agencies and
    procedure versions, then its closings (units and agencies that a merger closed, with successors)."""
    await _ensure_units(session, outbox=outbox, clock=clock, data=data)
    for field in data.get("fields", []):
        await service.ensure_field(
            session, outbox=outbox, field_in=FieldIn(code=field["code"], name=field["name"])
        )
    for agency in data["agencies"]:
        agency_in = AgencyIn.model_validate({k: v for k, v in agency.items() if k in AgencyIn.model_fields})
        await service.create_agency(
            session, outbox=outbox, clock=clock, who=SEED_PRINCIPAL, agency=agency_in, default_unit=unit_code
        )
    # The district seed's versions start early enough that historical dossiers (imports from 2021) find
    # one; a version may name its own first day (the province's from 1 July 2025).
    allowed = set(ProcedureIn.model_fields)
    for procedure in data["procedures"]:
        effective_from = date.fromisoformat(procedure.get("effective_from") or data["effective_from"])
        procedure_in = ProcedureIn.model_validate(
            {**{k: v for k, v in procedure.items() if k in allowed}, "effective_from": effective_from}
        )
        await service.publish_procedure(
            session, outbox=outbox, clock=clock, who=SEED_PRINCIPAL, procedure=procedure_in
        )
    await _close(session, outbox=outbox, clock=clock, closings=data.get("closings", {}))


async def _ensure_units(session: AsyncSession, *, outbox: Outbox, clock: Clock, data: dict[str, Any]) -> None:
    """The receiving units the seed's agencies belong to, registered unless already there (the default
    unit may be one): the district seed's centre (open since before any dossier), and the seed's
    `units` in order (a parent before its children)."""
    await units_repository.lock_units(session)
    wanted = list(data.get("units", []))
    if "centre" in data:
        centre = data["centre"]
        wanted.insert(
            0,
            {
                "code": centre["unit_code"],
                "name": centre["name"],
                "kind": "district_centre",
                "effective_from": FIRST_DAY.isoformat(),
            },
        )
    for values in wanted:
        if await units_repository.unit(session, values["code"]) is None:
            unit = UnitIn.model_validate(values)
            await units_service.register_unit(
                session, outbox=outbox, clock=clock, who=SEED_PRINCIPAL, unit=unit
            )


async def _close(session: AsyncSession, *, outbox: Outbox, clock: Clock, closings: dict[str, Any]) -> None:
    """Close the units and agencies a merger closed, each unless already closed."""
    for closing in closings.get("units", []):
        row = await units_repository.unit(session, closing["code"])
        if row is not None and row.effective_to is None:
            close = UnitCloseIn.model_validate({k: v for k, v in closing.items() if k != "code"})
            await units_service.close_unit(
                session, outbox=outbox, clock=clock, who=SEED_PRINCIPAL, code=closing["code"], close=close
            )
    for closing in closings.get("agencies", []):
        agency = await repository.agency(session, closing["code"])
        if agency is not None and agency.effective_to is None:
            close_agency = AgencyCloseIn.model_validate({k: v for k, v in closing.items() if k != "code"})
            await service.close_agency(
                session,
                outbox=outbox,
                clock=clock,
                who=SEED_PRINCIPAL,
                code=closing["code"],
                close=close_agency,
            )
