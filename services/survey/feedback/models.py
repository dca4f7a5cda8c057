"""Feedback and complaint tables (phản ánh, kiến nghị)."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Table,
    Text,
    Uuid,
    text,
)

from services.survey.models import metadata

feedback_items = Table(
    "feedback_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "kind",
        Text,
        nullable=False,
        comment="feedback (phản ánh) | petition (kiến nghị) | complaint (khiếu nại)",
    ),
    Column("source", Text, nullable=False, comment="citizen | ballot"),
    Column("ballot_id", Uuid, comment="the unsatisfied ballot that opened it"),
    Column("topic", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("agency_code", Text, nullable=False, comment="the agency responsible now"),
    Column("received_agency_code", Text, nullable=False, comment="the agency first routed to"),
    Column("dossier_code", Text),
    Column(
        "contact",
        Text,
        comment="personal data: never logged, never in events; shown to the agency and admins only",
    ),
    Column("citizen_sub", Text, comment="the portal account that sent it, if logged in"),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column(
        "answer_due_at",
        DateTime(timezone=True),
        nullable=False,
        comment="set once at receipt; a forward does not restart it",
    ),
    Column("answer", Text),
    Column("answered_at", DateTime(timezone=True)),
    Column("answered_by", Text, comment="the officer's token sub"),
    CheckConstraint("kind IN ('feedback', 'petition', 'complaint')", name="kind"),
    CheckConstraint("source IN ('citizen', 'ballot')", name="source"),
    CheckConstraint(
        "(answer IS NULL) = (answered_at IS NULL) AND (answered_at IS NULL) = (answered_by IS NULL)",
        name="answered",
    ),
)
# An unsatisfied ballot opens one item, however often its transaction is retried.
Index(
    "uq_feedback_items_ballot_id",
    feedback_items.c.ballot_id,
    unique=True,
    postgresql_where=text("ballot_id IS NOT NULL"),
)
# The agency's list, oldest due first, paged by (answer_due_at, id).
Index(
    "ix_feedback_items_agency_due",
    feedback_items.c.agency_code,
    feedback_items.c.answer_due_at,
    feedback_items.c.id,
)
Index("ix_feedback_items_due", feedback_items.c.answer_due_at, feedback_items.c.id)
Index("ix_feedback_items_received_at", feedback_items.c.received_at)

feedback_forwards = Table(
    "feedback_forwards",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("feedback_id", Uuid, ForeignKey("feedback_items.id"), nullable=False),
    Column("from_agency_code", Text, nullable=False),
    Column("to_agency_code", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by", Text, nullable=False, comment="the officer's token sub"),
)
Index("ix_feedback_forwards_feedback_id", feedback_forwards.c.feedback_id, feedback_forwards.c.id)
