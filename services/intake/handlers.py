"""What intake takes from routing's events: the status the counter shows, and when a result is ready."""

from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.models import dossiers, timeline
from shared.messaging.consumer import Handler, PoisonEvent
from shared.messaging.envelope import CloudEvent, event_type

# Where each status may come from: a late or repeated event never takes a dossier back
# (a `step.assigned` arriving after `resolved` changes nothing).
_FROM = {
    "in_processing": ("received", "supplement_requested"),
    "supplement_requested": ("received", "in_processing"),
    "resolved": ("received", "in_processing", "supplement_requested"),
    "rejected": ("received", "in_processing", "supplement_requested"),
}

_PUBLIC_NOTES = {
    "in_processing": "Hồ sơ đang được giải quyết",
    "supplement_requested": "Cơ quan giải quyết yêu cầu bổ sung hồ sơ",
    "resolved": "Đã có kết quả, mời công dân nhận kết quả",
    "rejected": "Hồ sơ không được giải quyết",
}


def _moves_to(status: str) -> Handler:
    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        if event.source == "/motcua/intake" or event.subject is None:
            return  # our own events (imports) already hold this state
        at = _when(event)
        values: dict[str, object] = {"status": status, "updated_at": at}
        if status == "resolved":
            values["resolved_at"] = at
        moved = await session.execute(
            update(dossiers)
            .where(dossiers.c.code == event.subject, dossiers.c.status.in_(_FROM[status]))
            .values(**values)
            .returning(dossiers.c.id)
        )
        dossier_id = moved.scalar_one_or_none()
        if dossier_id is not None:
            await session.execute(
                insert(timeline).values(
                    dossier_id=dossier_id, at=at, status=status, public_note=_PUBLIC_NOTES[status]
                )
            )

    return handle


def _when(event: CloudEvent) -> datetime:
    for key in ("resolved_at", "rejected_at", "at"):
        value = event.data.get(key)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError as exc:
                raise PoisonEvent(f"{key} is not a timestamp: {value!r}") from exc
    return event.time


HANDLERS: dict[str, Handler] = {
    event_type("dossier.step.assigned"): _moves_to("in_processing"),
    event_type("dossier.supplement_requested"): _moves_to("supplement_requested"),
    event_type("dossier.resolved"): _moves_to("resolved"),
    event_type("dossier.rejected"): _moves_to("rejected"),
}
SUBJECTS = (
    "dossier.*.step.assigned",
    "dossier.*.supplement_requested",
    "dossier.*.resolved",
    "dossier.*.rejected",
)
