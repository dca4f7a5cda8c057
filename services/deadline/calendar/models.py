"""Tables of the working calendar: the admin's overrides and their revision, and the procedures'
versions that say how a due is counted (GET /v1/calendar/due?procedure=)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Integer,
    Numeric,
    SmallInteger,
    Table,
    Text,
    Time,
    text,
)

from services.deadline.models import metadata

# -- procedures, for GET /v1/calendar/due?procedure= -------------------------------------------

procedures = Table(
    "procedures",
    metadata,
    Column("code", Text, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("effective_from", Date),
    Column("name", Text, nullable=False),
    Column("agency_code", Text, nullable=False),
    Column("processing_days", Numeric(8, 2), nullable=False),
    Column("online_processing_days", Numeric(8, 2)),
    Column("day_kind", Text, nullable=False),
    Column("same_day", Boolean, nullable=False),
    Column("cutoff", Time, nullable=False),
    Column(
        "supplement_policy",
        Text,
        comment="shift | restart as the copy first heard says; null: left to each dossier's rule set",
    ),
)

# -- the calendar's admin overrides ----------------------------------------------------------------

calendar_overrides = Table(
    "calendar_overrides",
    metadata,
    Column("day", Date, primary_key=True),
    Column("working", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("set_by", Text, nullable=False, comment="the admin's token sub"),
    Column("set_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("btrim(reason) <> ''", name="reason"),
)

# One row, bumped in the transaction of every override change: each process compares it to the revision
# of the calendar it holds and rebuilds when they differ, so every worker and replica sees a change at
# once (a NOTIFY or the CATALOG event reaches one consumer, not every process).
calendar_revision = Table(
    "calendar_revision",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("revision", BigInteger, nullable=False, server_default=text("0")),
    CheckConstraint("id = 1", name="single_row"),
)
