"""Migration survey_0002 creates exactly the feedback tables that feedback_models.py describes."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Table
from sqlalchemy.engine import Connection

from services.survey.feedback_models import audit_log, feedback_forwards, feedback_items
from services.survey.models import metadata
from shared.db.engine import make_engine
from tests.conftest import Stack

OURS = {table.name for table in (audit_log, feedback_forwards, feedback_items)}


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
            "include_name": lambda name, type_, parents: type_ != "schema" or name in (None, "survey"),
            "include_object": lambda obj, name, type_, reflected, other: (
                type_ != "table" or obj.schema == "survey"
            ),
        },
    )
    diffs = [d for d in compare_metadata(context, metadata) if _table_of(d) in OURS]
    # The role's search_path is its own schema, so PostgreSQL reports a foreign key inside the schema
    # without it, and the comparison sees the same key removed and added: that pair is no change.
    removed = {d[1].name for d in diffs if isinstance(d, tuple) and d[0] == "remove_fk"}
    added = {d[1].name for d in diffs if isinstance(d, tuple) and d[0] == "add_fk"}
    same = removed & added
    return [
        d
        for d in diffs
        if not (isinstance(d, tuple) and d[0] in ("remove_fk", "add_fk") and d[1].name in same)
    ]


async def test_the_feedback_migration_matches_the_models(stack: Stack) -> None:
    engine = make_engine(stack.service_database_urls["survey"], pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diffs) == []
    finally:
        await engine.dispose()
