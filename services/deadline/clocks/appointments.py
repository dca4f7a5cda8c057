"""The citizen's new appointment (hẹn lại ngày trả kết quả): `dossier.appointment_changed`, staged in
the outbox in the transaction whose derivation moved the dossier's due.

A pause of the DOSSIER's clock (the union of its steps' pauses for a supplement or a financial
obligation) that ended and moved its due by the procedure's policy is announced once, keyed by the
dossier and the pause's `resumed_at` (table `appointments`): deriving the same facts again, on any
later event of the dossier, announces nothing. A pause that moved nothing (it lay outside office
hours), a step's due moving while the dossier's does not, an extension and an apology letter never
announce one. Should a fact heard late (a parallel step's pause, a day off set since) change the due
of a resumption already announced, it is announced again with the due now derived: the due of the
latest `resumed_at` is the dossier's. Imported dossiers' pauses are intake's to announce.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline import events
from services.deadline.clocks import repository, rules
from services.deadline.context import Context
from shared.messaging.subjects import dossier_subject

NAME = "appointment_changed"


async def announce(
    session: AsyncSession,
    ctx: Context,
    dossiers: Mapping[uuid.UUID, Any],
    resumptions: Mapping[uuid.UUID, Sequence[rules.Resumption]],
    announced_rows: Mapping[uuid.UUID, Sequence[Any]],
) -> None:
    """Stage `dossier.appointment_changed` for each resumption of the dossiers' clocks not announced
    yet with its due (`rules.to_announce`; `announced_rows`, the dossiers' `appointments`), and
    remember it. The caller holds the dossiers' locks."""
    due = [
        (dossiers[dossier_id], resumption)
        for dossier_id, found in resumptions.items()
        if found and not dossiers[dossier_id].imported
        for resumption in rules.to_announce(
            found, {row.resumed_at: row.due_at for row in announced_rows.get(dossier_id, ())}
        )
    ]
    if not due:
        return
    versions = await repository.next_dossier_versions(session, [dossier.dossier_id for dossier, _ in due])
    now = ctx.clock.now()
    staged: list[dict[str, Any]] = []
    announced: list[dict[str, Any]] = []
    for (dossier, resumption), version in zip(due, versions, strict=True):
        reason = rules.appointment_reason(resumption.reason)
        payload = events.appointment_changed(
            dossier=dossier,
            due_at=resumption.due_after,
            reason=reason,
            paused_at=resumption.paused_at,
            resumed_at=resumption.resumed_at,
        )
        event, row = ctx.outbox.row(
            name=f"dossier.{NAME}",
            topic=dossier_subject(dossier.lead_agency_code, NAME),
            data=payload.data(),
            subject=dossier.code,
            dossier_version=version,
        )
        staged.append(row)
        announced.append(
            {
                "dossier_id": dossier.dossier_id,
                "resumed_at": resumption.resumed_at,
                "paused_at": resumption.paused_at,
                "reason": reason,
                "due_at": resumption.due_after,
                "event_id": event.id,
                "announced_at": now,
            }
        )
    await repository.record_appointments(session, staged, announced)
