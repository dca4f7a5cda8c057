"""Creates the messaging tables in a service's Alembic revisions, one helper per version of their
shape (`tables.py`).

A later change to the tables needs a new version here and a new revision in every service; a
helper already used by a revision is never edited.
"""

from alembic import op
from sqlalchemy import Index

from shared.db.metadata import service_metadata
from shared.messaging.tables import (
    dead_letter_v2,
    dead_letter_v2_columns,
    messaging_tables_v1,
    outbox_trigger_ddl,
)


def create_messaging_tables_v1(schema: str) -> None:
    metadata = service_metadata(schema)
    messaging_tables_v1(metadata)
    metadata.create_all(op.get_bind())
    for statement in outbox_trigger_ddl(schema):
        op.execute(statement)


def drop_messaging_tables_v1(schema: str) -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {schema}.notify_outbox() CASCADE")
    metadata = service_metadata(schema)
    messaging_tables_v1(metadata)
    metadata.drop_all(op.get_bind())


def upgrade_dead_letter_v2(schema: str) -> None:
    """Resolution columns and one row per message; duplicates already written keep their first row."""
    for column in dead_letter_v2_columns():
        op.add_column("dead_letter", column, schema=schema)
    # `schema` is a service's name from the code, never input.
    op.execute(
        f"DELETE FROM {schema}.dead_letter later USING {schema}.dead_letter first "  # noqa: S608
        "WHERE later.id > first.id AND (later.event_id = first.event_id "
        "OR (later.event_id IS NULL AND first.event_id IS NULL "
        "AND later.topic = first.topic AND later.stream_sequence = first.stream_sequence))"
    )
    for index in _dead_letter_v2_indexes(schema):
        index.create(op.get_bind())


def downgrade_dead_letter_v2(schema: str) -> None:
    for index in _dead_letter_v2_indexes(schema):
        index.drop(op.get_bind())
    for column in dead_letter_v2_columns():
        op.drop_column("dead_letter", column.name, schema=schema)


def _dead_letter_v2_indexes(schema: str) -> list[Index]:
    return dead_letter_v2(messaging_tables_v1(service_metadata(schema)).dead_letter)
