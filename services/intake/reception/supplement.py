"""The citizen's supplement (bổ sung hồ sơ) after an agency asked for one.

Routing emits `dossier.supplement_requested`; intake's handler then shows the dossier as
`supplement_requested` and the step's clock is paused. The citizen brings the missing papers to the
counter, or the portal sends them for its own online dossier: the documents join the dossier's, the
dossier is `in_processing` again, and `dossier.supplement_received` tells routing to resume the step.
This is the only way out of `supplement_requested` other than a result, a rejection or a withdrawal:
routing's events never take a dossier out of it (see handlers._FROM).
"""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events
from services.intake.catalogue import repository as catalogue
from services.intake.catalogue.rules import checklist, unknown_documents
from services.intake.dossiers import access
from services.intake.dossiers.change import Desk, changing
from services.intake.reception.schemas import SupplementIn
from shared.errors import Problem

PUBLIC_NOTE = "Công dân đã bổ sung hồ sơ"


async def receive_supplement(session: AsyncSession, desk: Desk, key: str, supplement: SupplementIn) -> UUID:
    """Record the papers handed in for a requested supplement, and resume processing."""
    row = await access.at_desk(session, desk, key)
    if row.status != "supplement_requested":
        raise Problem(
            409,
            "not_awaiting_supplement",
            f"Dossier is {row.status}; a supplement is taken only when an agency has asked for one.",
        )
    procedure = await catalogue.procedure_by_id(session, row.procedure_id)
    unknown = unknown_documents(checklist(procedure.documents), supplement.documents)
    if unknown:
        raise Problem(422, "unknown_document", f"Not on this procedure's checklist: {', '.join(unknown)}.")
    handed_in = sorted(set(supplement.documents))
    detail = {"documents": handed_in, "note": supplement.note}
    async with changing(
        session, desk, row, audit_action="dossier.supplement_received", audit_detail=detail
    ) as change:
        change.to("in_processing", PUBLIC_NOTE, documents=sorted({*row.documents, *handed_in}))
        change.emit(
            "supplement_received",
            events.supplement_received(
                identity=change.identity,
                documents=handed_in,
                received_at=change.at,
                note=supplement.note,
                imported=False,
            ),
        )
    dossier_id: UUID = row.id
    return dossier_id
