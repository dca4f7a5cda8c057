"""Every query of digitization: stored files and the dossier components that point at them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.documents.models import attachments, dossier_documents
from services.intake.dossiers.models import applicants, dossiers


async def ensure_attachment(
    session: AsyncSession, *, sha256: str, size: int, content_type: str, pages: int, at: datetime
) -> None:
    """One row per distinct content; a second upload of the same bytes finds it there."""
    await session.execute(
        pg_insert(attachments)
        .values(sha256=sha256, size=size, content_type=content_type, pages=pages, created_at=at)
        .on_conflict_do_nothing(index_elements=[attachments.c.sha256])
    )


async def component_codes(session: AsyncSession, dossier_id: UUID) -> dict[str, Row[Any]]:
    """The dossier's digitized components by checklist code."""
    query = select(dossier_documents).where(dossier_documents.c.dossier_id == dossier_id)
    return {row.document_code: row for row in (await session.execute(query)).all()}


def _component_view() -> Any:
    source = dossiers.alias("source")
    return (
        select(
            dossier_documents,
            attachments.c.size,
            attachments.c.content_type,
            attachments.c.pages,
            source.c.code.label("reused_from_code"),
        )
        .join(attachments, attachments.c.sha256 == dossier_documents.c.sha256)
        .outerjoin(source, source.c.id == dossier_documents.c.reused_from)
    )


async def component(session: AsyncSession, dossier_id: UUID, document_code: str) -> Row[Any] | None:
    query = _component_view().where(
        dossier_documents.c.dossier_id == dossier_id, dossier_documents.c.document_code == document_code
    )
    return (await session.execute(query)).first()


async def components(session: AsyncSession, dossier_id: UUID) -> list[Row[Any]]:
    query = (
        _component_view()
        .where(dossier_documents.c.dossier_id == dossier_id)
        .order_by(dossier_documents.c.document_code)
    )
    return list((await session.execute(query)).all())


async def add_component(
    session: AsyncSession,
    *,
    dossier_id: UUID,
    document_code: str,
    sha256: str,
    filename: str,
    at: datetime,
    by: str,
    reused_from: UUID | None,
) -> None:
    await session.execute(
        insert(dossier_documents).values(
            dossier_id=dossier_id,
            document_code=document_code,
            sha256=sha256,
            filename=filename,
            uploaded_at=at,
            uploaded_by=by,
            reused_from=reused_from,
        )
    )


async def replace_component(
    session: AsyncSession,
    *,
    component_id: int,
    sha256: str,
    filename: str,
    at: datetime,
    by: str,
    reused_from: UUID | None,
) -> None:
    await session.execute(
        update(dossier_documents)
        .where(dossier_documents.c.id == component_id)
        .values(sha256=sha256, filename=filename, uploaded_at=at, uploaded_by=by, reused_from=reused_from)
    )


@dataclass(frozen=True)
class Totals:
    documents: int
    pages: int
    reused: int


async def totals(session: AsyncSession, dossier_id: UUID) -> Totals:
    query = (
        select(
            func.count(),
            func.coalesce(func.sum(attachments.c.pages), 0),
            func.count(dossier_documents.c.reused_from),
        )
        .select_from(dossier_documents)
        .join(attachments, attachments.c.sha256 == dossier_documents.c.sha256)
        .where(dossier_documents.c.dossier_id == dossier_id)
    )
    documents, pages, reused = (await session.execute(query)).one()
    return Totals(int(documents), int(pages), int(reused))


async def id_numbers(session: AsyncSession, *applicant_ids: UUID) -> dict[UUID, str | None]:
    """Personal data: compared here, never returned to a caller or logged."""
    query = select(applicants.c.id, applicants.c.id_number).where(applicants.c.id.in_(applicant_ids))
    return {row.id: row.id_number for row in (await session.execute(query)).all()}
