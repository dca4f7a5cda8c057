"""The Alembic environment shared by all services; `config.attributes` names the service and its URL."""

import asyncio
import zlib
from typing import Any

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shared.db.metadata import models_of

config = context.config
service: str = config.attributes["service"]
database_url: str = config.attributes["database_url"]
metadata: MetaData = models_of(service)
schema = metadata.schema


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    # Reflect only this service's schema: its role may not even look into the others.
    if type_ == "schema":
        return name in (None, schema)  # None: the default schema, which is the role's own
    return True


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # Only this service's schema: another service's tables are none of its business.
    if type_ == "table":
        return bool(obj.schema == schema)
    return True


def skip_empty_revisions(ctx: Any, revision: Any, directives: list[Any]) -> None:
    if (
        getattr(config.cmd_opts, "autogenerate", False)
        and directives
        and directives[0].upgrade_ops.is_empty()
    ):
        directives[:] = []


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=include_name,
        include_object=include_object,
        process_revision_directives=skip_empty_revisions,
    )
    with context.begin_transaction():
        # Replicas starting together take turns instead of racing the same DDL.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(f"migrate.{schema}".encode())}
        )
        context.run_migrations()


async def run_online() -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(run)
    await engine.dispose()


asyncio.run(run_online())
