"""Digitization (số hóa) of a received dossier's components, one file per checklist item.

A component is scanned and uploaded, or reused (tái sử dụng) from the same applicant's earlier dossier
without scanning it again; both count toward the Decision 766 digitization indicators. The first time
every required item of the checklist is covered, `dossier.digitized` is emitted, once per dossier:
components are only ever added or replaced, so coverage, once reached, stays.
"""

from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events
from services.intake.catalogue import repository as catalogue
from services.intake.catalogue.rules import checklist
from services.intake.documents import repository
from services.intake.documents.rules import NOT_YET_RECEIVED, first_time_covered
from services.intake.documents.upload import Upload
from services.intake.documents.upload_checks import JPEG, PDF, PNG
from services.intake.dossiers import access
from services.intake.dossiers import repository as dossiers
from services.intake.dossiers.change import Desk, changing
from services.intake.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.errors import Problem
from shared.events.catalog import ChecklistItem
from shared.storage import BlobStore
from shared.uploads import safe_filename

EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}

Change = Literal["added", "replaced", "unchanged"]


@dataclass(frozen=True)
class Recorded:
    dossier_id: UUID
    document_code: str
    change: Change
    digitized: bool  # this change covered the checklist and emitted dossier.digitized


async def record_upload(
    session: AsyncSession,
    desk: Desk,
    store: BlobStore,
    *,
    key: str,
    document_code: str,
    upload: Upload,
    filename: str | None,
) -> Recorded:
    """Store a scanned component and record it as the dossier's `document_code`."""
    row = await _digitizable(session, desk, key)
    procedure = await catalogue.procedure_by_id(session, row.procedure_id)
    _on_checklist(procedure, document_code)
    blob = await store.put(upload.chunks())
    await repository.ensure_attachment(
        session,
        sha256=blob.sha256,
        size=blob.size,
        content_type=upload.content_type,
        pages=upload.pages,
        at=desk.clock.now(),
    )
    name = safe_filename(filename, f"{document_code}.{EXTENSIONS[upload.content_type]}")
    return await _record(
        session, desk, row, procedure, document_code, sha256=blob.sha256, filename=name, source=None
    )


async def reuse(
    session: AsyncSession,
    desk: Desk,
    *,
    key: str,
    document_code: str,
    from_dossier: str,
    source_document_code: str | None,
) -> Recorded:
    """Take a component already digitized for the same applicant's earlier dossier, without a new scan."""
    row = await _digitizable(session, desk, key)
    procedure = await catalogue.procedure_by_id(session, row.procedure_id)
    _on_checklist(procedure, document_code)
    source = await dossiers.dossier(session, from_dossier)
    if source is None:
        raise Problem(422, "source_dossier_not_found", f"No dossier {from_dossier} to reuse from.")
    if source.id == row.id:
        raise Problem(422, "reuse_from_same_dossier", "A component cannot be reused from its own dossier.")
    await _same_applicant(session, row, source)
    source_code = source_document_code or document_code
    component = await repository.component(session, source.id, source_code)
    if component is None:
        raise Problem(
            422,
            "component_not_digitized",
            f"Dossier {from_dossier} has no digitized {source_code}; scan the document instead.",
        )
    return await _record(
        session,
        desk,
        row,
        procedure,
        document_code,
        sha256=component.sha256,
        filename=component.filename,
        source=source,
    )


async def _record(
    session: AsyncSession,
    desk: Desk,
    row: Row[Any],
    procedure: Row[Any],
    document_code: str,
    *,
    sha256: str,
    filename: str,
    source: Row[Any] | None,
) -> Recorded:
    reused_from = source.id if source is not None else None
    before = await repository.component_codes(session, row.id)
    previous = before.get(document_code)
    stored = (sha256, filename, reused_from)
    if previous is not None and (previous.sha256, previous.filename, previous.reused_from) == stored:
        return Recorded(row.id, document_code, "unchanged", digitized=False)
    change: Change = "added" if previous is None else "replaced"
    action = "dossier.document_reused" if source is not None else "dossier.document_digitized"
    detail = _audit_detail(document_code, sha256, change, previous, source)
    required = {item.code for item in checklist(procedure.documents) if item.required}
    covered = first_time_covered(required, set(before), {*before, document_code})
    async with changing(session, desk, row, audit_action=action, audit_detail=detail) as dossier_change:
        component: dict[str, Any] = {
            "sha256": sha256,
            "filename": filename,
            "at": dossier_change.at,
            "by": desk.who.sub,
            "reused_from": reused_from,
        }
        if previous is None:
            await repository.add_component(
                session, dossier_id=row.id, document_code=document_code, **component
            )
        else:
            await repository.replace_component(session, component_id=previous.id, **component)
        if covered:
            totals = await repository.totals(session, row.id)
            dossier_change.emit(
                "digitized",
                events.digitized(
                    identity=dossier_change.identity,
                    documents=totals.documents,
                    pages=totals.pages,
                    reused=totals.reused,
                    digitized_at=dossier_change.at,
                ),
            )
    return Recorded(row.id, document_code, change, digitized=covered)


def _audit_detail(
    document_code: str, sha256: str, change: Change, previous: Row[Any] | None, source: Row[Any] | None
) -> dict[str, Any]:
    detail: dict[str, Any] = {"document_code": document_code, "sha256": sha256, "change": change}
    if previous is not None:
        detail["previous_sha256"] = previous.sha256
    if source is not None:
        detail["reused_from"] = source.code
    return detail


async def _digitizable(session: AsyncSession, desk: Desk, key: str) -> Row[Any]:
    # The lock queues concurrent uploads to one dossier, so exactly one of them covers the checklist.
    row = await access.at_desk(session, desk, key)
    if row.status in NOT_YET_RECEIVED or row.received_at is None:
        raise Problem(
            409,
            "dossier_not_received",
            f"Dossier is {row.status}; its documents are digitized once it has been received.",
        )
    if row.status == "withdrawn":
        raise Problem(
            409, "dossier_withdrawn", "The dossier was withdrawn; nothing more is digitized for it."
        )
    return row


async def _same_applicant(session: AsyncSession, row: Row[Any], source: Row[Any]) -> None:
    numbers = await repository.id_numbers(session, row.applicant_id, source.applicant_id)
    mine, theirs = numbers.get(row.applicant_id), numbers.get(source.applicant_id)
    if not mine or not theirs:
        raise Problem(
            422,
            "applicant_not_identified",
            "Both dossiers need the applicant's ID number to reuse a component; scan the document instead.",
        )
    if mine != theirs:
        raise Problem(
            403, "different_applicant", "Components can only be reused from the same applicant's dossiers."
        )


def _on_checklist(procedure: Row[Any], document_code: str) -> ChecklistItem:
    for item in checklist(procedure.documents):
        if item.code == document_code:
            return item
    raise Problem(
        422,
        "unknown_document",
        f"{document_code} is not on the checklist of {procedure.code} (version {procedure.version}).",
    )


# Reading what was digitized.


@dataclass(frozen=True)
class Digitization:
    dossier: Row[Any]
    checklist: list[ChecklistItem]
    components: list[Row[Any]]


async def digitization(session: AsyncSession, key: str, who: Principal) -> Digitization:
    row = await access.visible(session, key, who)
    procedure = await catalogue.procedure_by_id(session, row.procedure_id)
    return Digitization(row, checklist(procedure.documents), await repository.components(session, row.id))


async def stored_component(session: AsyncSession, desk: Desk, key: str, document_code: str) -> Row[Any]:
    """The component to download; the access is audited, as the files carry personal data."""
    row = await access.visible(session, key, desk.who)
    component = await repository.component(session, row.id, document_code)
    if component is None:
        raise Problem(404, "document_not_digitized", f"Dossier {key} has no digitized {document_code}.")
    await audit.record(
        session,
        audit_log,
        who=desk.who,
        at=desk.clock.now(),
        action="dossier.document_read",
        entity=f"dossier:{row.code}",
        detail={"document_code": document_code, "sha256": component.sha256},
    )
    return component
