"""The extension requests (xin gia hạn) deadline heard of, each with its decision: a fact the clocks
are derived from (a granted extension's minutes move the step's extended due)."""

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Integer, Table, Text, UniqueConstraint, Uuid

from services.deadline.models import metadata

extensions = Table(
    "extensions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("dossier_id", Uuid, nullable=False),
    Column("code", Text),
    Column("step_id", Uuid, nullable=False),
    Column("lead_agency_code", Text, nullable=False),
    Column("step_agency_code", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("requested_by", Text),
    Column("requested_by_role", Text),
    Column("reason", Text, nullable=False, comment="the request's, as asked (may be empty)"),
    Column("days", Integer, nullable=False),
    Column("current_due_at", DateTime(timezone=True), comment="the due the request was judged against"),
    Column("state", Text, nullable=False, comment="granted | denied"),
    Column("denial_code", Text, comment="after_due | no_reason | not_a_leader | already_extended"),
    Column("new_due_at", DateTime(timezone=True)),
    Column("minutes", Integer, comment="the working minutes granted, kept beyond the due as it moves"),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("request_event_id", Uuid, nullable=False),
    CheckConstraint("state IN ('granted', 'denied')", name="state"),
    CheckConstraint("(state = 'granted') = (new_due_at IS NOT NULL)", name="granted_due"),
    # One decision per request, however often the request is re-sent.
    UniqueConstraint("step_id", "requested_at", name="uq_extensions_request"),
)
Index("ix_extensions_agency", extensions.c.step_agency_code, extensions.c.requested_at)
Index("ix_extensions_requested_at", extensions.c.requested_at)
Index("ix_extensions_dossier_id", extensions.c.dossier_id)
