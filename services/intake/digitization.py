"""Digitization (số hóa) of a received dossier's components, one file per checklist item.

A component is scanned and uploaded, or reused (tái sử dụng) from the same applicant's earlier dossier
without scanning it again; both count toward the Decision 766 digitization indicators. The first time
every required item of the checklist is covered, `dossier.digitized` is emitted, once per dossier:
components are only ever added or replaced, so coverage, once reached, stays.
"""

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Literal
from uuid import UUID

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events, reception, repository, rules, upload_checks
from services.intake import repository_documents as documents
from services.intake.models import audit_log
from services.intake.reception import Desk
from services.intake.upload_checks import JPEG, PDF, PNG, SNIFF_BYTES, sniff
from shared import audit
from shared.auth import Principal
from shared.errors import Problem
from shared.isolation import ChildFailed, run_isolated
from shared.messaging.subjects import dossier_subject
from shared.storage import BlobStore
from shared.uploads import safe_filename
from shared.visibility import ensure_may_see

log = logging.getLogger("motcua.intake.digitization")

EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
SPOOL_MEMORY_BYTES = 1024 * 1024  # an upload beyond this waits on disk, not in memory
READ_BYTES = 256 * 1024
CHECK_MEMORY_BYTES = 512 * 1024 * 1024  # a check's child process, beyond the file: pypdf's own caps fit

# A dossier can be digitized from reception on, until it is withdrawn.
NOT_YET_RECEIVED = ("submitted", "incomplete", "refused")


def first_time_covered(required: set[str], before: set[str], after: set[str]) -> bool:
    """Whether this change is the one that covers the checklist (a checklist with no required item is
    covered by the first component)."""
    return required <= after and not (before and required <= before)


@dataclass
class Upload:
    """A received file waiting in a spool: its detected type, size and page count."""

    spool: IO[bytes]
    size: int
    content_type: str
    pages: int

    async def chunks(self) -> AsyncIterator[bytes]:
        await asyncio.to_thread(self.spool.seek, 0)
        while chunk := await asyncio.to_thread(self.spool.read, READ_BYTES):
            yield chunk


@asynccontextmanager
async def received_file(
    chunks: AsyncIterable[bytes], *, max_pages: int, check_seconds: float
) -> AsyncIterator[Upload]:
    """Read an upload into a spool (memory, then disk), refusing a type other than PDF, JPEG or PNG as
    soon as its first bytes arrive, then an empty file, a file that is not whole or carries another
    (`upload_checks`) and a PDF past `max_pages`; the spool is gone when the block ends."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115 - closed below
    try:
        head = b""
        content_type: str | None = None
        size = 0
        async for chunk in chunks:
            size += len(chunk)
            if content_type is None:
                head += chunk
                if len(head) >= SNIFF_BYTES:
                    content_type = _accepted(head)
            await asyncio.to_thread(spool.write, chunk)
        if size == 0:
            raise Problem(422, "empty_file", "The file is empty; scan the document again.")
        content_type = content_type or _accepted(head)
        pages = await _checked(spool, content_type, max_pages=max_pages, check_seconds=check_seconds)
        yield Upload(spool, size, content_type, pages)
    finally:
        spool.close()


def _accepted(head: bytes) -> str:
    content_type = sniff(head)
    if content_type is None:
        raise Problem(
            415,
            "unsupported_file_type",
            "Only PDF, JPEG and PNG scans are accepted; this file is none of them.",
        )
    return content_type


async def _checked(spool: IO[bytes], content_type: str, *, max_pages: int, check_seconds: float) -> int:
    """The page count, from `upload_checks` run in a child process: their own walks are bounded, but
    what pypdf does beneath them is not (a small PDF can cost it minutes), and only a process can be
    stopped when `check_seconds` are up."""
    data = await asyncio.to_thread(_contents, spool)
    memory = CHECK_MEMORY_BYTES + 4 * len(data)  # the file, its copies on the way, and room to parse it
    try:
        pages: int = await run_isolated(
            upload_checks.check,
            data,
            content_type,
            max_pages,
            seconds=check_seconds,
            memory_bytes=memory,
            raises=(upload_checks.Refused,),
        )
        if type(pages) is not int or not 1 <= pages <= max_pages:
            raise ChildFailed(f"the check answered {pages!r}")  # never from the check itself
    except upload_checks.Refused as refused:
        raise Problem(refused.status, refused.code, refused.detail, extra=refused.extra) from None
    except (TimeoutError, MemoryError, ChildFailed) as exc:
        log.warning("upload check stopped", extra={"reason": repr(exc), "content_type": content_type})
        raise Problem(
            422,
            "file_too_complex",
            "Checking the file took too long or too much memory; save it again as a plain PDF, JPEG or PNG, "
            "or scan it again.",
        ) from None
    except OSError as exc:  # no process could be started (after TimeoutError, which is one too)
        log.error("upload check not started", extra={"reason": repr(exc)})
        raise Problem(
            503, "check_unavailable", "The file cannot be checked right now; send it again in a moment."
        ) from None
    return pages


def _contents(spool: IO[bytes]) -> bytes:
    # At most MOTCUA_MAX_UPLOAD_BYTES, held only while checked: the checks need to see the whole file.
    spool.seek(0)
    return spool.read()


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
    row = await _digitizable(session, key)
    procedure = await repository.procedure_by_id(session, row.procedure_id)
    _on_checklist(procedure, document_code)
    blob = await store.put(upload.chunks())
    await documents.ensure_attachment(
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
    row = await _digitizable(session, key)
    procedure = await repository.procedure_by_id(session, row.procedure_id)
    _on_checklist(procedure, document_code)
    source = await repository.dossier(session, from_dossier)
    if source is None:
        raise Problem(422, "source_dossier_not_found", f"No dossier {from_dossier} to reuse from.")
    if source.id == row.id:
        raise Problem(422, "reuse_from_same_dossier", "A component cannot be reused from its own dossier.")
    await _same_applicant(session, row, source)
    source_code = source_document_code or document_code
    component = await documents.component(session, source.id, source_code)
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
    now = desk.clock.now()
    reused_from = source.id if source is not None else None
    before = await documents.component_codes(session, row.id)
    previous = before.get(document_code)
    change: Change
    if previous is None:
        change = "added"
        await documents.add_component(
            session,
            dossier_id=row.id,
            document_code=document_code,
            sha256=sha256,
            filename=filename,
            at=now,
            by=desk.who.sub,
            reused_from=reused_from,
        )
    elif (previous.sha256, previous.filename, previous.reused_from) == (sha256, filename, reused_from):
        return Recorded(row.id, document_code, "unchanged", digitized=False)
    else:
        change = "replaced"
        await documents.replace_component(
            session,
            component_id=previous.id,
            sha256=sha256,
            filename=filename,
            at=now,
            by=desk.who.sub,
            reused_from=reused_from,
        )
    detail: dict[str, Any] = {"document_code": document_code, "sha256": sha256, "change": change}
    if previous is not None:
        detail["previous_sha256"] = previous.sha256
    if source is not None:
        detail["reused_from"] = source.code
    action = "dossier.document_reused" if source is not None else "dossier.document_digitized"
    await audit.record(
        session, audit_log, who=desk.who, at=now, action=action, entity=f"dossier:{row.code}", detail=detail
    )
    required = {item.code for item in rules.checklist(procedure.documents) if item.required}
    covered = first_time_covered(required, set(before), {*before, document_code})
    if covered:
        await _digitized(session, desk, row, now)
    return Recorded(row.id, document_code, change, digitized=covered)


async def _digitized(session: AsyncSession, desk: Desk, row: Row[Any], now: datetime) -> None:
    totals = await documents.totals(session, row.id)
    version = row.version + 1
    await documents.bump_version(session, row.id, version, now)
    await desk.outbox.add(
        session,
        name="dossier.digitized",
        topic=dossier_subject(row.agency_code, "digitized"),
        subject=row.code,
        sequence=version,
        data={
            "dossier_id": str(row.id),
            "code": row.code,
            "portal_id": row.portal_id,
            "agency_code": row.agency_code,
            "documents": totals.documents,
            "pages": totals.pages,
            "reused": totals.reused,
            "digitized_at": now.isoformat(),
        },
    )


async def _digitizable(session: AsyncSession, key: str) -> Row[Any]:
    # The lock queues concurrent uploads to one dossier, so exactly one of them covers the checklist.
    row = await reception.existing(session, key, for_update=True)
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
    numbers = await documents.id_numbers(session, row.applicant_id, source.applicant_id)
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


def _on_checklist(procedure: Row[Any], document_code: str) -> rules.ChecklistItem:
    for item in rules.checklist(procedure.documents):
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
    checklist: list[rules.ChecklistItem]
    components: list[Row[Any]]


async def digitization(session: AsyncSession, key: str, who: Principal) -> Digitization:
    row = await _visible(session, key, who)
    procedure = await repository.procedure_by_id(session, row.procedure_id)
    return Digitization(
        row, rules.checklist(procedure.documents), await documents.components(session, row.id)
    )


async def stored_component(session: AsyncSession, desk: Desk, key: str, document_code: str) -> Row[Any]:
    """The component to download; the access is audited, as the files carry personal data."""
    row = await _visible(session, key, desk.who)
    component = await documents.component(session, row.id, document_code)
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


async def _visible(session: AsyncSession, key: str, who: Principal) -> Row[Any]:
    """The dossier whose documents `who` asks for, if the one rule of who sees a dossier lets them
    (a leader of any agency had read every agency's scans: only officers were checked)."""
    row = await reception.existing(session, key)
    procedure = await repository.procedure_by_id(session, row.procedure_id)
    ensure_may_see(
        who, key, agencies=rules.route_agencies(procedure), submitted_by=events.portal_account_of(row)
    )
    return row
