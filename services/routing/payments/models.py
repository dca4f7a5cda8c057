"""The payments table, on the routing metadata: one row per payment recorded at a step that asked for a
financial obligation. A payment platform's or a receipt's `reference` names a payment once per step, so
a callback replayed with it is recognised rather than counted twice."""

from typing import get_args

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Table,
    Text,
    Uuid,
    text,
)

from services.routing.events import PaymentChannel
from services.routing.models import metadata

CHANNELS = get_args(PaymentChannel)

fee_payments = Table(
    "fee_payments",
    metadata,
    Column("payment_id", Uuid, primary_key=True),
    Column("dossier_id", Uuid, ForeignKey("plans.dossier_id"), nullable=False),
    Column("step_id", Uuid, ForeignKey("steps.id"), nullable=False),
    Column("amount", BigInteger, nullable=False, comment="in Vietnamese đồng"),
    Column("channel", Text, nullable=False, comment="online | counter | bank_transfer"),
    Column("paid_at", DateTime(timezone=True), nullable=False),
    Column("reference", Text, comment="the payment platform's or the receipt's number"),
    Column("recorded_by", Text, nullable=False, comment="the recording officer's token sub"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount > 0", name="amount"),
    CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
)
# A step's payments in the order they were made: the list, and the replay's look-up by reference.
Index("ix_fee_payments_step_id", fee_payments.c.step_id, fee_payments.c.paid_at)
Index(
    "uq_fee_payments_step_reference",
    fee_payments.c.step_id,
    fee_payments.c.reference,
    unique=True,
    postgresql_where=text("reference IS NOT NULL"),
)
