"""The citizen's supplement (bổ sung hồ sơ) after an agency asked for one.

Routing emits `dossier.supplement_requested`; intake's handler then shows the dossier as
`supplement_requested` and the step's clock is paused. The citizen brings the missing papers to the
counter, or the portal sends them for its own online dossier: the documents join the dossier's, the
dossier is `in_processing` again, and `dossier.supplement_received` tells routing to resume the step.
This is the only way out of `supplement_requested` other than a result, a rejection or a withdrawal:
routing's events never take a dossier out of it (see handlers._FROM).
"""

from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events, repository, rules
from services.intake.models import audit_log, dossiers, timeline
from services.intake.reception import Desk, Outcome
from services.intake.schemas import SupplementIn
from shared import audit
from shared.errors import Problem
from shared.messaging.subjects import dossier_subject

PUBLIC_NOTE = "Công dân đã bổ sung hồ sơ"


async def receive_supplement(
    session: AsyncSession, desk: Desk, key: str, supplement: SupplementIn
) -> Outcome:
    """Record the papers handed in for a requested supplement, and resume processing."""
    row = await _own(session, desk, key)
    if row.status != "supplement_requested":
        raise Problem(
            409,
            "not_awaiting_supplement",
            f"Dossier is {row.status}; a supplement is taken only when an agency has asked for one.",
        )
    procedure = await repository.procedure_by_id(session, row.procedure_id)
    unknown = rules.unknown_documents(rules.checklist(procedure.documents), supplement.documents)
    if unknown:
        raise Problem(422, "unknown_document", f"Not on this procedure's checklist: {', '.join(unknown)}.")
    handed_in = sorted(set(supplement.documents))
    now = desk.clock.now()
    version = row.version + 1
    await session.execute(
        update(dossiers)
        .where(dossiers.c.id == row.id)
        .values(
            status="in_processing",
            documents=sorted({*row.documents, *handed_in}),
            version=version,
            updated_at=now,
        )
    )
    await session.execute(
        insert(timeline),
        {"dossier_id": row.id, "at": now, "status": "in_processing", "public_note": PUBLIC_NOTE},
    )
    await desk.outbox.add(
        session,
        name="dossier.supplement_received",
        topic=dossier_subject(row.agency_code, "supplement_received"),
        subject=row.code,
        sequence=version,
        data=events.supplement_received(
            identity=events.identity_of(row, row.code),
            documents=handed_in,
            received_at=now,
            note=supplement.note,
            imported=False,
        ),
    )
    await audit.record(
        session,
        audit_log,
        who=desk.who,
        at=now,
        action="dossier.supplement_received",
        entity=f"dossier:{row.code}",
        detail={"documents": handed_in, "note": supplement.note},
    )
    return Outcome(row.id)


async def _own(session: AsyncSession, desk: Desk, key: str) -> Row[Any]:
    """The dossier, locked: concurrent supplements queue here and the second finds it in processing.
    A portal sees only the dossiers it submitted; any other is unknown to it."""
    row = await repository.dossier(session, key, for_update=True)
    if row is None or (desk.who.role == "portal" and row.created_by != desk.who.sub):
        raise Problem(404, "dossier_not_found", f"No dossier {key}.")
    return row
