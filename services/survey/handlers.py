"""What survey takes from other services' events: the agencies a ballot may name (CATALOG), and from
intake's dossier events who a dossier is about, when its result was returned and which portal account
submitted it (DOSSIERS).

Every effect is idempotent and order-free: a repeated event changes nothing, and a `dossier.returned`
that arrives before its `dossier.received` opens the invitation all the same (it carries the lead agency).
"""

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.invitations.service import open_for_returned
from services.survey.replicas import repository as replicas
from shared.events.catalog import AgencyRegistered
from shared.events.dossier import DossierReceived, DossierReturned
from shared.messaging.consumer import Handler
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data


async def _agency_registered(event: CloudEvent, session: AsyncSession) -> None:
    agency = parse_data(AgencyRegistered, event)
    await replicas.upsert_agency(
        session, code=agency.code, name=agency.name, sector=agency.sector, at=event.time
    )


async def _dossier_received(event: CloudEvent, session: AsyncSession) -> None:
    dossier = parse_data(DossierReceived, event)
    await replicas.remember_dossier(
        session,
        {
            "code": dossier.code,
            "dossier_id": dossier.dossier_id,
            "agency_code": dossier.agency_code,
            "field_code": dossier.procedure.field_code,
            "procedure_code": dossier.procedure.code,
            "received_at": dossier.received_at,
        },
    )


def _dossier_returned(valid_days: int) -> Handler:
    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        returned = parse_data(DossierReturned, event)
        if returned.imported:
            return  # returned in the old system, years ago: nobody is invited to rate it now
        await open_for_returned(
            session,
            dossier_id=returned.dossier_id,
            dossier_code=returned.code,
            agency_code=returned.agency_code,
            returned_at=returned.returned_at,
            valid_days=valid_days,
            # Null or absent (events sent before intake carried it): reception only.
            portal_account=returned.portal_account,
        )

    return handle


CATALOG_SUBJECTS = ("catalog.agency.registered",)
CATALOG_HANDLERS: Mapping[str, Handler] = {event_type("catalog.agency.registered"): _agency_registered}

DOSSIER_SUBJECTS = ("dossier.*.received", "dossier.*.returned")


def dossier_handlers(*, invitation_days: int) -> dict[str, Handler]:
    return {
        event_type("dossier.received"): _dossier_received,
        event_type("dossier.returned"): _dossier_returned(invitation_days),
    }
