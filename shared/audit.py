"""The audit trail every service keeps: who changed what, when, written in the same transaction."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, MetaData, Table, Text, insert
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal


def audit_table(metadata: MetaData) -> Table:
    table = Table(
        "audit_log",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("actor", Text, nullable=False, comment="the token's sub"),
        Column("role", Text, nullable=False),
        Column("agency", Text),
        Column("action", Text, nullable=False),
        Column("entity", Text, nullable=False, comment="e.g. dossier:<code> or procedure:<code>"),
        Column("detail", JSONB, nullable=False, server_default="{}"),
    )
    Index("ix_audit_log_entity", table.c.entity, table.c.at)
    return table


async def record(
    session: AsyncSession,
    table: Table,
    *,
    who: Principal,
    at: datetime,
    action: str,
    entity: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row; `detail` must not carry personal data (ID or phone numbers)."""
    # Parameters beside a bare insert() compile once and are cached; .values(...) is rebuilt per call.
    await session.execute(
        insert(table), audit_row(who=who, at=at, action=action, entity=entity, detail=detail)
    )


def audit_row(
    *, who: Principal, at: datetime, action: str, entity: str, detail: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The row `record` appends, for a writer that puts it in a statement of its own changes."""
    return {
        "at": at,
        "actor": who.sub,
        "role": who.role,
        "agency": who.agency,
        "action": action,
        "entity": entity,
        "detail": detail or {},
    }
