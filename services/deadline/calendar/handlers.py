"""What deadline takes from the catalogue's events: the procedures' versions, which say how a due is
counted."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.calendar.repository import save_procedures
from shared.events.catalog import ProcedureSnapshot
from shared.messaging.consumer import Handler
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data

CATALOG_SUBJECTS = ("catalog.procedure.published",)


async def procedure_published(event: CloudEvent, session: AsyncSession) -> None:
    """Keep the procedure's version for GET /v1/calendar/due?procedure=."""
    await save_procedures(session, [parse_data(ProcedureSnapshot, event)])


def catalog_handlers() -> dict[str, Handler]:
    return {event_type("catalog.procedure.published"): procedure_published}
