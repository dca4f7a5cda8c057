"""The inbound events' own table, on the routing metadata."""

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Identity, Index, Table, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB

from services.routing.models import metadata

# Events that arrived before the state they answer (a withdrawal before the receipt, a supplement
# or an extension decision before its request): kept here and applied when they become applicable,
# so the outcome is the same in any order of delivery.
facts = Table(
    "facts",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("dossier_id", Uuid, nullable=False),
    Column(
        "kind",
        Text,
        nullable=False,
        comment="withdrawn | supplement_received | extension_granted | extension_denied",
    ),
    Column("step_id", Uuid, comment="the step an extension decision is about"),
    Column("at", DateTime(timezone=True), nullable=False, comment="when it happened, from the event"),
    Column("data", JSONB, nullable=False, server_default="{}"),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("applied_at", DateTime(timezone=True)),
    CheckConstraint(
        "kind IN ('withdrawn', 'supplement_received', 'extension_granted', 'extension_denied')", name="kind"
    ),
)
Index("ix_facts_pending", facts.c.dossier_id, facts.c.kind, postgresql_where=facts.c.applied_at.is_(None))
