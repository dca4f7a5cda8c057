"""Paper transfer tables (phiếu bàn giao hồ sơ giấy): one batch per receiving agency and session.

Steps live in the plan's tables (`plans/`, a later migration), so `step_id` / `dossier_id` are plain uuids.
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from services.routing.models import metadata

transfer_batches = Table(
    "transfer_batches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("agency_code", Text, nullable=False, comment="the RECEIVING agency"),
    Column("kind", Text, nullable=False, comment="session | immediate (a same-day dossier travels alone)"),
    Column("session", Text, nullable=False, comment="morning | afternoon, in Vietnam time"),
    Column("session_date", Date, nullable=False, comment="the working day of the session, Vietnam date"),
    Column("transfer_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False, server_default="open", comment="open | signed"),
    Column("signed_by_name", Text),
    Column("signed_by", Text, comment="the signer's token sub"),
    Column("signed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('session', 'immediate')", name="kind"),
    CheckConstraint("session IN ('morning', 'afternoon')", name="session"),
    CheckConstraint("status IN ('open', 'signed')", name="status"),
    CheckConstraint(
        "(status = 'signed') = (signed_at IS NOT NULL AND signed_by_name IS NOT NULL)", name="signed"
    ),
)
# One session batch per agency and departure: concurrent schedule() calls meet on this key.
Index(
    "uq_transfer_batches_session_slot",
    transfer_batches.c.agency_code,
    transfer_batches.c.transfer_at,
    unique=True,
    postgresql_where=text("kind = 'session'"),
)
Index("ix_transfer_batches_agency_code", transfer_batches.c.agency_code, transfer_batches.c.session_date)

transfer_items = Table(
    "transfer_items",
    metadata,
    # A step is handed over on paper once: redelivered events find the row and get the same slot.
    Column("step_id", Uuid, primary_key=True),
    Column("batch_id", Uuid, ForeignKey("transfer_batches.id"), nullable=False),
    Column("dossier_id", Uuid, nullable=False),
    Column("code", Text, nullable=False),
    Column("procedure_code", Text),
    Column("procedure_name", Text),
    Column("from_agency_code", Text, comment="null: from the one-stop centre"),
    Column("handed_at", DateTime(timezone=True), nullable=False),
    Column("days", Numeric(6, 1), nullable=False),
    Column("same_day", Boolean, nullable=False),
    Column("reason", Text, nullable=False, comment="which branch of the cut-off rule placed it"),
)
Index("ix_transfer_items_batch_id", transfer_items.c.batch_id)
