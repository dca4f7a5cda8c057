"""The outbox, inbox and dead-letter tables every service keeps in its own schema."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    dead_letter: Table

    @property
    def notify_channel(self) -> str:
        return outbox_channel(self.outbox.schema or "public")


def outbox_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel that wakes the relay the moment an outbox row commits."""
    return f"{schema}_outbox"


def outbox_trigger_ddl(schema: str) -> tuple[str, str]:
    """NOTIFY on insert, delivered at commit, so the relay wakes exactly when a row becomes visible."""
    channel = outbox_channel(schema)
    return (
        f"""CREATE FUNCTION {schema}.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('{channel}', ''); RETURN NULL; END $$""",
        f"""CREATE TRIGGER outbox_notify AFTER INSERT ON {schema}.outbox
        FOR EACH STATEMENT EXECUTE FUNCTION {schema}.notify_outbox()""",
    )


def messaging_tables(metadata: MetaData) -> MessagingTables:
    """The tables as they are now: version 1 with the later versions' changes applied."""
    tables = messaging_tables_v1(metadata)
    dead_letter_v2(tables.dead_letter)
    return tables


def messaging_tables_v1(metadata: MetaData) -> MessagingTables:
    """The tables as every service's first revision created them; never edited (migration.py)."""
    outbox = Table(
        "outbox",
        metadata,
        # Identity order is the publish order; rows of one dossier are serialised by its row lock.
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("event_type", Text, nullable=False),
        Column("topic", Text, nullable=False, comment="NATS subject"),
        Column("payload", Text, nullable=False, comment="the CloudEvent JSON, published byte for byte"),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
    )
    # The relay's scan touches unsent rows only, however many sent rows retention keeps.
    Index("ix_outbox_unsent", outbox.c.id, postgresql_where=outbox.c.sent_at.is_(None))
    Index("ix_outbox_sent_at", outbox.c.sent_at)
    inbox = Table(
        "inbox",
        metadata,
        Column("event_id", Uuid, primary_key=True),
        Column("event_type", Text, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    dead_letter = Table(
        "dead_letter",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Text, comment="null when the message was not even a CloudEvent"),
        Column("topic", Text, nullable=False),
        Column("stream_sequence", BigInteger),
        Column("deliveries", Integer, nullable=False),
        Column("payload", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("failed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    return MessagingTables(outbox, inbox, dead_letter)


def dead_letter_v2(dead_letter: Table) -> list[Index]:
    """Version 2 of the dead-letter table, added to `dead_letter`; returns the indexes it added.

    A message is dead-lettered once: NATS redelivers it when the server restarts between the
    dead-letter commit and the `term()`, and the second insert must find the first row. A letter is
    then resolved by an administrator (re-driven after a fix, or discarded) and stays as a record.
    """
    for column in dead_letter_v2_columns():
        dead_letter.append_column(column)
    return [
        Index("uq_dead_letter_event", dead_letter.c.event_id, unique=True),
        # Not even a CloudEvent, so no id: the message is its stream position.
        Index(
            "uq_dead_letter_message",
            dead_letter.c.topic,
            dead_letter.c.stream_sequence,
            unique=True,
            postgresql_where=text("event_id IS NULL"),
        ),
        Index("ix_dead_letter_open", dead_letter.c.id, postgresql_where=text("resolved_at IS NULL")),
    ]


def dead_letter_v2_columns() -> list[Column[Any]]:
    """New each call: a column belongs to one table (the model's, or the migration's ALTER)."""
    return [
        Column("resolved_at", DateTime(timezone=True)),
        Column("resolution", Text, comment="redriven or discarded; null while the letter is open"),
        Column("resolved_by", Text, comment="the administrator's subject"),
    ]
