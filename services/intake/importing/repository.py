"""Every query of the historical import. A batch's rows go through the session's asyncpg connection,
inside its transaction: COPY, and statements with array parameters (`unnest`)."""

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue.models import procedures
from services.intake.dossiers.models import applicants, dossier_counters, dossiers
from services.intake.importing.rows import DOSSIER_COLUMNS, Record


async def procedure_versions(session: AsyncSession, code: str) -> list[tuple[date, int, int]]:
    """`(effective_from, version, id)` of every version of procedure `code`, oldest first."""
    query = (
        select(procedures.c.effective_from, procedures.c.version, procedures.c.id)
        .where(procedures.c.code == code)
        .order_by(procedures.c.effective_from, procedures.c.version)
    )
    return [(row.effective_from, row.version, row.id) for row in await session.execute(query)]


# The SQL below is built from this module's table and column names only, never from input.
_RESERVE: Final = (
    f"INSERT INTO {dossier_counters.fullname} (unit_code, day, last) "  # noqa: S608
    "SELECT $1, d, n FROM unnest($2::date[], $3::int[]) AS t(d, n) "
    "ON CONFLICT (unit_code, day) DO UPDATE SET last = dossier_counters.last + excluded.last "
    "RETURNING day, last"
)
_EXISTING: Final = f"SELECT external_code FROM {dossiers.fullname} WHERE external_code = ANY($1::text[])"  # noqa: S608


async def reserve_dossier_numbers(driver: Any, unit_code: str, counts: Counter[date]) -> dict[date, int]:
    """The first of `counts[day]` consecutive numbers of the unit's counter for each day, in one
    statement; the days go in order, so concurrent reservations lock counter rows in the same order."""
    days = sorted(counts)
    rows = await driver.fetch(_RESERVE, unit_code, days, [counts[day] for day in days])
    return {row["day"]: row["last"] - counts[row["day"]] + 1 for row in rows}


async def existing_external_codes(driver: Any, codes: list[str]) -> set[str]:
    rows = await driver.fetch(_EXISTING, codes)
    return {row["external_code"] for row in rows}


def _array_types(table: Table, columns: Sequence[str]) -> str:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return ", ".join(
        f"${n}::{table.c[name].type.compile(dialect=dialect)}[]" for n, name in enumerate(columns, 1)
    )


_INSERT_DOSSIERS: Final = (
    f"INSERT INTO {dossiers.fullname} ({', '.join(DOSSIER_COLUMNS)}) "  # noqa: S608
    f"SELECT * FROM unnest({_array_types(dossiers, DOSSIER_COLUMNS)}) "
    "ON CONFLICT (external_code) DO NOTHING RETURNING external_code"
)


async def insert_dossiers(driver: Any, records: list[Record]) -> set[str]:
    """Insert the dossiers; the external codes actually inserted (a conflict inserts nothing)."""
    rows = await driver.fetch(_INSERT_DOSSIERS, *(list(column) for column in zip(*records, strict=True)))
    return {row["external_code"] for row in rows}


async def copy(driver: Any, table: Table, columns: Sequence[str], records: list[Record]) -> None:
    if records:
        await driver.copy_records_to_table(
            table.name, schema_name=table.schema, columns=list(columns), records=records
        )


async def drop_applicants(session: AsyncSession, applicant_ids: Sequence[UUID | None]) -> None:
    """The applicants of dossiers a concurrent import of the same lines stored first."""
    await session.execute(delete(applicants).where(applicants.c.id.in_(applicant_ids)))
