"""Migration reporting_0003 creates exactly the tables survey_models.py describes (model B)."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection

from services.reporting.survey_models import MODEL_B_TABLES
from shared.db.engine import make_engine
from tests.conftest import Stack

OURS = {table.name for table in MODEL_B_TABLES}


def _table_of(diff: Any) -> str | None:
    """The table a diff entry is about: entries carry a Table, an Index or constraint (with `.table`),
    or (schema, table name, ...); column changes come as a list of such entries."""
    entry = diff[0] if isinstance(diff, list) else diff
    first = entry[1]
    if isinstance(first, Table):
        return str(first.name)
    if hasattr(first, "table"):
        return str(first.table.name)
    return str(entry[2])


def _diffs(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, type_, parents: type_ != "schema" or name in (None, "reporting"),
            "include_object": lambda obj, name, type_, reflected, other: (
                type_ != "table" or obj.schema == "reporting"
            ),
        },
    )
    # Only model B's tables, so the comparison does not depend on what else models.py imports.
    metadata = MetaData(schema="reporting")
    for table in MODEL_B_TABLES:
        table.to_metadata(metadata)
    return [d for d in compare_metadata(context, metadata) if _table_of(d) in OURS]


async def test_the_model_b_migration_matches_the_models(stack: Stack) -> None:
    engine = make_engine(stack.service_database_urls["reporting"], pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diffs) == []
    finally:
        await engine.dispose()
