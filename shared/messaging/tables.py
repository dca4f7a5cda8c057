"""The outbox, inbox and dead-letter tables every service keeps in its own schema."""

from dataclasses import dataclass

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
