"""Creates the messaging tables in a service's first Alembic revision (version 1 of their shape).

A later change to `tables.py` needs a new revision in every service, not an edit here.
"""

from alembic import op
from sqlalchemy import MetaData

from shared.messaging.tables import messaging_tables, outbox_channel


def create_messaging_tables_v1(schema: str) -> None:
    metadata = MetaData(schema=schema)
    messaging_tables(metadata)
    metadata.create_all(op.get_bind())
    channel = outbox_channel(schema)
    # NOTIFY is delivered at commit, so the relay wakes exactly when a row becomes visible.
    op.execute(
        f"""CREATE FUNCTION {schema}.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('{channel}', ''); RETURN NULL; END $$"""
    )
    op.execute(
        f"""CREATE TRIGGER outbox_notify AFTER INSERT ON {schema}.outbox
        FOR EACH STATEMENT EXECUTE FUNCTION {schema}.notify_outbox()"""
    )


def drop_messaging_tables_v1(schema: str) -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {schema}.notify_outbox() CASCADE")
    metadata = MetaData(schema=schema)
    messaging_tables(metadata)
    metadata.drop_all(op.get_bind())
