"""Paper transfer tables (phiếu bàn giao hồ sơ giấy): one batch per destination and session.

A batch goes to exactly one destination: an agency (`agency_code`: a step's papers to process) or a
receiving unit (`unit_code`: paper results to hand over at its counter). Its items are the papers of
a step (`kind` step, one per step) or a dossier's result (`kind` result, one per dossier).

Steps live in the plan's tables (`plans/`, a later migration), so `step_id` / `dossier_id` are plain uuids.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
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
    Column("agency_code", Text, comment="the RECEIVING agency; null for a unit's batch"),
    Column("unit_code", Text, comment="the RECEIVING unit (results to hand over); null for an agency's"),
    Column("kind", Text, nullable=False, comment="session | immediate (a same-day dossier travels alone)"),
    Column("session", Text, nullable=False, comment="morning | afternoon, in Vietnam time"),
    Column("session_date", Date, nullable=False, comment="the working day of the session, Vietnam date"),
    Column("transfer_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False, server_default="open", comment="open | signed"),
    Column("signed_by_name", Text),
    Column("signed_by", Text, comment="the signer's token sub"),
    Column("signed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("(agency_code IS NULL) <> (unit_code IS NULL)", name="destination"),
    CheckConstraint("kind IN ('session', 'immediate')", name="kind"),
    CheckConstraint("session IN ('morning', 'afternoon')", name="session"),
    CheckConstraint("status IN ('open', 'signed')", name="status"),
    CheckConstraint(
        "(status = 'signed') = (signed_at IS NOT NULL AND signed_by_name IS NOT NULL)", name="signed"
    ),
)
# One session batch per destination and departure: concurrent schedule() calls meet on these keys
# (a null code never conflicts, so each index holds one kind of destination).
Index(
    "uq_transfer_batches_session_slot",
    transfer_batches.c.agency_code,
    transfer_batches.c.transfer_at,
    unique=True,
    postgresql_where=text("kind = 'session'"),
)
Index(
    "uq_transfer_batches_unit_session_slot",
    transfer_batches.c.unit_code,
    transfer_batches.c.transfer_at,
    unique=True,
    postgresql_where=text("kind = 'session'"),
)
Index("ix_transfer_batches_agency_code", transfer_batches.c.agency_code, transfer_batches.c.session_date)
Index("ix_transfer_batches_unit_code", transfer_batches.c.unit_code, transfer_batches.c.session_date)

transfer_items = Table(
    "transfer_items",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("kind", Text, nullable=False, server_default="step", comment="step | result"),
    # A step is handed over on paper once: redelivered events find the row and get the same slot.
    Column("step_id", Uuid, comment="the step the papers go to; null for a result"),
    Column("batch_id", Uuid, ForeignKey("transfer_batches.id"), nullable=False),
    Column("dossier_id", Uuid, nullable=False),
    Column("code", Text, nullable=False),
    Column("procedure_code", Text),
    Column("procedure_name", Text),
    Column("from_agency_code", Text, comment="null: from the one-stop centre"),
    Column("from_unit_code", Text, comment="the receiving unit the papers leave, if across the boundary"),
    Column("handed_at", DateTime(timezone=True), nullable=False),
    Column("days", Numeric(6, 1), comment="the step's budget; null for a result"),
    Column("same_day", Boolean, nullable=False),
    Column("reason", Text, nullable=False, comment="which branch of the cut-off rule placed it"),
    CheckConstraint("kind IN ('step', 'result')", name="kind"),
    CheckConstraint("(kind = 'step') = (step_id IS NOT NULL AND days IS NOT NULL)", name="step_fields"),
)
Index("ix_transfer_items_batch_id", transfer_items.c.batch_id)
Index("uq_transfer_items_step_id", transfer_items.c.step_id, unique=True)
# A dossier's result travels once: a repeated resolution finds the row and gets the same slot.
Index(
    "uq_transfer_items_result",
    transfer_items.c.dossier_id,
    unique=True,
    postgresql_where=text("kind = 'result'"),
)
