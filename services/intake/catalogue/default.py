"""The default catalogue (seed/catalogue.json) loaded into an empty schema on first start.

It goes through the same use cases as the admin API, so it emits the same `catalog.*` events and
the other services learn it the same way.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue import repository, service
from services.intake.catalogue.schemas import AgencyIn, FieldIn, ProcedureIn
from shared.auth import Principal
from shared.clock import Clock
from shared.messaging.outbox import Outbox

SEED = Path(__file__).parents[1] / "seed" / "catalogue.json"
SEED_PRINCIPAL = Principal(sub="system:default-catalogue", role="admin")


def seed_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SEED.read_text(encoding="utf-8"))
    return data


async def load_if_empty(session: AsyncSession, *, outbox: Outbox, clock: Clock, unit_code: str) -> bool:
    """Load the default catalogue unless the schema already has one; True when it loaded."""
    await repository.lock_default_catalogue(session)
    if await repository.has_catalogue(session):
        return False
    data = seed_data()
    for field in data["fields"]:
        await service.ensure_field(
            session, outbox=outbox, field_in=FieldIn(code=field["code"], name=field["name"])
        )
    for agency in data["agencies"]:
        agency_in = AgencyIn.model_validate(
            {k: agency[k] for k in ("code", "name", "sector", "unit_code", "level")}
        )
        await service.create_agency(
            session, outbox=outbox, clock=clock, who=SEED_PRINCIPAL, agency=agency_in, default_unit=unit_code
        )
    # The seed's versions start early enough that historical dossiers (imports from 2021) find one.
    effective_from = date.fromisoformat(data["effective_from"])
    allowed = set(ProcedureIn.model_fields)
    for procedure in data["procedures"]:
        procedure_in = ProcedureIn.model_validate(
            {**{k: v for k, v in procedure.items() if k in allowed}, "effective_from": effective_from}
        )
        await service.publish_procedure(
            session, outbox=outbox, clock=clock, who=SEED_PRINCIPAL, procedure=procedure_in
        )
    return True
