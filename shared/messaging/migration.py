"""Creates the messaging tables in a service's first Alembic revision (version 1 of their shape).

A later change to `tables.py` needs a new revision in every service, not an edit here.
"""

from alembic import op

from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables, outbox_trigger_ddl


def create_messaging_tables_v1(schema: str) -> None:
    metadata = service_metadata(schema)
    messaging_tables(metadata)
    metadata.create_all(op.get_bind())
    for statement in outbox_trigger_ddl(schema):
        op.execute(statement)


def drop_messaging_tables_v1(schema: str) -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {schema}.notify_outbox() CASCADE")
    metadata = service_metadata(schema)
    messaging_tables(metadata)
    metadata.drop_all(op.get_bind())
