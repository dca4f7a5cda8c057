"""Every service's migrations create exactly the tables its models describe, `*_models.py` included,
so `--autogenerate` starts from no difference and a table kept beside models.py is not forgotten."""

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from shared.db.engine import make_engine
from shared.db.metadata import models_of
from shared.services import SERVICES
from tests.conftest import Stack


def _diffs(connection: Connection, service: str) -> list[Any]:
    metadata = models_of(service)
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, type_, parents: type_ != "schema" or name in (None, service),
            "include_object": lambda obj, name, type_, reflected, other: (
                type_ != "table" or obj.schema == service
            ),
        },
    )
    diffs = list(compare_metadata(context, metadata))
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


@pytest.mark.parametrize("service", SERVICES)
async def test_the_migrations_match_the_models(stack: Stack, service: str) -> None:
    engine = make_engine(stack.service_database_urls[service], pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diffs, service) == []
    finally:
        await engine.dispose()
