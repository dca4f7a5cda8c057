"""Thin routes of digitization (số hóa): upload or reuse a dossier's components, list them, read them."""

import logging
import unicodedata
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.deps import BlobStoreDep, IntakeSettingsDep, ReceptionDesk, ScanReaderDesk
from services.intake.documents import service, upload_checks
from services.intake.documents.schemas import DigitizationOut, DocumentOut, RecordedOut, ReuseIn
from services.intake.documents.upload import received_file
from shared.auth import Principal
from shared.deps import SessionDep, Staff
from shared.errors import Problem
from shared.storage import BlobNotFound
from shared.uploads import FilePart, declared_length_check

log = logging.getLogger("motcua.intake.digitization")

router = APIRouter(prefix="/v1", tags=["digitization"])

DocumentCode = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="the checklist item's code (mã thành phần)")
]


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "PDF, JPEG or PNG"}
                    },
                }
            }
        },
    }
}


@router.post(
    "/dossiers/{key}/documents/{document_code}",
    status_code=201,
    response_model=RecordedOut,
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {"description": "The component replaced an earlier scan, or was this very file already."},
        409: {"description": "The dossier is not received yet, or was withdrawn."},
        413: {"description": "The file is larger than `MOTCUA_MAX_UPLOAD_BYTES`."},
        415: {"description": "Not a PDF, JPEG or PNG (by its content), or not a multipart body."},
        422: {
            "description": "Empty, unreadable or malformed file (`unreadable_pdf`, `unreadable_image`, "
            "`malformed_pdf`, `file_too_complex`), one carrying other data beside its own "
            "(`content_mismatch`), a PDF past `MOTCUA_MAX_UPLOAD_PAGES` (`too_many_pages`), "
            "or a code not on the checklist."
        },
        503: {"description": "The file could not be checked now (`check_unavailable`); send it again."},
    },
)
async def upload_document(
    key: str,
    document_code: DocumentCode,
    request: Request,
    response: Response,
    settings: IntakeSettingsDep,
    session: SessionDep,
    desk: ReceptionDesk,
    store: BlobStoreDep,
) -> RecordedOut:
    """Digitize a component of a received dossier (số hóa thành phần hồ sơ): the scan in the multipart
    field `file`. PDF, JPEG or PNG, told by the file's content and checked whole, with nothing after its
    end and no archive inside; PDF pages are counted, an image is one page. Stored once per distinct
    content. A second upload for the same item replaces the first.
    When this completes the checklist's required items, `dossier.digitized` is emitted (once)."""
    limit = settings.max_upload_bytes
    declared_length_check(request.headers.get("content-length"), limit)
    part = FilePart(request.headers.get("content-type"), request.stream(), field="file", max_bytes=limit)
    async with received_file(
        part.chunks(), max_pages=settings.max_upload_pages, check_seconds=settings.upload_check_seconds
    ) as upload:
        recorded = await service.record_upload(
            session,
            desk,
            store,
            key=key,
            document_code=document_code,
            upload=upload,
            filename=part.filename,
        )
    if recorded.change != "added":
        response.status_code = 200
    return await _recorded_out(session, desk.who, recorded)


@router.post(
    "/dossiers/{key}/documents/{document_code}/reuse",
    status_code=201,
    response_model=RecordedOut,
    responses={
        200: {"description": "The component replaced an earlier one, or was already this one."},
        403: {"description": "The earlier dossier is another applicant's."},
        409: {"description": "The dossier is not received yet, or was withdrawn."},
        422: {"description": "Applicant without an ID number, or nothing digitized to reuse."},
    },
)
async def reuse_document(
    key: str,
    document_code: DocumentCode,
    body: ReuseIn,
    response: Response,
    session: SessionDep,
    desk: ReceptionDesk,
) -> RecordedOut:
    """Reuse a component already digitized for the same applicant's earlier dossier (tái sử dụng kết quả
    số hóa) instead of scanning it again. Both dossiers' applicants must carry the same ID number. It
    counts toward the checklist and the reuse indicator."""
    recorded = await service.reuse(
        session,
        desk,
        key=key,
        document_code=document_code,
        from_dossier=body.from_dossier,
        source_document_code=body.document_code,
    )
    if recorded.change != "added":
        response.status_code = 200
    return await _recorded_out(session, desk.who, recorded)


@router.get("/dossiers/{key}/documents", response_model=DigitizationOut)
async def list_documents(key: str, session: SessionDep, who: Staff) -> DigitizationOut:
    """What of the dossier is digitized, against its procedure's checklist, with page and reuse counts.
    Officers see the dossiers whose procedure routes through their agency."""
    return await _digitization_out(session, who, key)


@router.get(
    "/dossiers/{key}/documents/{document_code}/file",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The stored file",
            "content": {upload_checks.PDF: {}, upload_checks.JPEG: {}, upload_checks.PNG: {}},
        },
        404: {"description": "No such dossier, or that component is not digitized."},
    },
)
async def read_document(
    key: str,
    document_code: DocumentCode,
    session: SessionDep,
    desk: ScanReaderDesk,
    store: BlobStoreDep,
) -> StreamingResponse:
    """The stored file of a digitized component, streamed with its content type. Every read is audited."""
    component = await service.stored_component(session, desk, key, document_code)
    try:
        chunks = await store.open(component.sha256)
    except BlobNotFound:
        log.error("stored file missing", extra={"sha256": component.sha256})
        raise Problem(
            503, "file_unavailable", "The stored file cannot be read now; tell the administrator."
        ) from None
    return StreamingResponse(
        chunks,
        media_type=component.content_type,
        headers={
            "Content-Length": str(component.size),
            "Content-Disposition": content_disposition(component.filename),
            "ETag": f'"{component.sha256}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def content_disposition(filename: str) -> str:
    """`inline` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / RFC 5987)."""
    folded = unicodedata.normalize("NFD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in folded if c.isascii() and c.isprintable() and c not in '"\\') or "file"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def _recorded_out(session: AsyncSession, who: Principal, recorded: service.Recorded) -> RecordedOut:
    state = await _digitization_out(session, who, str(recorded.dossier_id))
    [item] = [i for i in state.items if i.document_code == recorded.document_code]
    return RecordedOut(**item.model_dump(), change=recorded.change, missing=state.missing)


async def _digitization_out(session: AsyncSession, who: Principal, key: str) -> DigitizationOut:
    state = await service.digitization(session, key, who)
    names = {item.code: item for item in state.checklist}
    items = [
        DocumentOut(
            document_code=c.document_code,
            document_name=names[c.document_code].name if c.document_code in names else c.document_code,
            required=c.document_code in names and names[c.document_code].required,
            filename=c.filename,
            content_type=c.content_type,
            size=c.size,
            pages=c.pages,
            sha256=c.sha256,
            uploaded_at=c.uploaded_at,
            uploaded_by=c.uploaded_by,
            reused_from=c.reused_from_code,
        )
        for c in state.components
    ]
    done = {c.document_code for c in state.components}
    missing = [item.code for item in state.checklist if item.required and item.code not in done]
    return DigitizationOut(
        dossier_code=state.dossier.code,
        complete=not missing,
        missing=missing,
        documents=len(items),
        pages=sum(i.pages for i in items),
        reused=sum(1 for i in items if i.reused_from is not None),
        items=items,
    )
