"""The plan's tables, on the routing metadata: a plan (quy trình luân chuyển) per received dossier,
one step per agency on its route, and the supplements (form 02) its agencies asked. Steps carry three
due times, because each answers a different question:

* `original_due_at`: the due when the step was assigned, never changed afterwards;
* `sla_due_at`: the due the outcome is judged by (early / on time / late): moved by the pauses the
  rules do not count (supplement, financial obligation), never by an extension, since an extension
  never makes a late step on time;
* `due_at`: the effective due the queue sorts by: `sla_due_at`, or the extended due once the
  deadline service granted one (moved by later pauses as well).
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.routing.models import metadata

PLAN_STATES = ("open", "resolved", "rejected", "stopped", "withdrawn")
STEP_STATES = (
    "pending",
    "assigned",
    "in_progress",
    "paused",
    "completed",
    "rejected",
    "stopped",
    "cancelled",
)
# The states of a step waiting at its agency: what the agency's queue shows.
OPEN_STEP_STATES = ("assigned", "in_progress", "paused")

plans = Table(
    "plans",
    metadata,
    Column("dossier_id", Uuid, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("portal_id", Text),
    Column("lead_agency_code", Text, nullable=False, comment="the procedure's agency: events' identity"),
    Column("procedure_code", Text, nullable=False),
    Column("procedure_version", Integer),
    Column("procedure_name", Text, nullable=False),
    Column("lead_agency_name", Text),
    Column("channel", Text, nullable=False, comment="direct | post | online; not online = paper"),
    Column("day_kind", Text, nullable=False, server_default="working"),
    Column("same_day", Boolean, nullable=False, server_default=text("false")),
    Column("cutoff", Time, nullable=False, server_default=text("'15:00'")),
    Column("supplement_policy", Text, nullable=False, server_default="shift"),
    Column("applicant_kind", Text, nullable=False, comment="person | organisation"),
    Column("applicant_name", Text, nullable=False, comment="queues show who the dossier is for"),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("clock_started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False, comment="the dossier's own due, as received"),
    Column("state", Text, nullable=False, server_default="open"),
    Column("unit_code", Text, comment="the receiving unit; null: received before units, the default unit"),
    Column("return_unit_code", Text, comment="where the result is handed over; null: the receiving unit"),
    Column(
        "received_across_boundary",
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="received at a unit other than the lead agency's: its papers and result travel",
    ),
    Column("version", Integer, nullable=False, server_default=text("0"), comment="sequence of our events"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("closed_at", DateTime(timezone=True)),
    CheckConstraint(f"state IN {PLAN_STATES}", name="state"),
    CheckConstraint("supplement_policy IN ('shift', 'restart')", name="supplement_policy"),
)

steps = Table(
    "steps",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("dossier_id", Uuid, ForeignKey("plans.dossier_id"), nullable=False),
    Column("position", Integer, nullable=False, comment="1-based order on the route"),
    Column("group_no", Integer, nullable=False, comment="steps of one group run in parallel"),
    Column("agency_code", Text, nullable=False),
    Column("days", Numeric(6, 1), nullable=False, comment="the step's budget in the procedure's days"),
    Column("procedure_code", Text, nullable=False, comment="copied from the plan: the queue filters on it"),
    Column("state", Text, nullable=False, server_default="pending"),
    Column("from_agency_code", Text, comment="who handed it over; null for the centre"),
    Column("transfer", Text, comment="electronic | paper, set at assignment"),
    Column("assigned_at", DateTime(timezone=True)),
    Column("accepted_at", DateTime(timezone=True)),
    Column("accepted_by", Text),
    Column("completed_at", DateTime(timezone=True)),
    Column("completed_by", Text),
    Column("closed_at", DateTime(timezone=True), comment="completed, rejected, stopped or cancelled"),
    Column("note", Text, comment="the result note, or the reason of a rejection or stop"),
    Column("original_due_at", DateTime(timezone=True)),
    Column("sla_due_at", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True)),
    Column("paused_at", DateTime(timezone=True)),
    Column("pause_reason", Text, comment="supplement | financial_obligation while paused"),
    Column("paused_minutes", Integer, nullable=False, server_default=text("0")),
    Column("extension_requested_at", DateTime(timezone=True)),
    Column("extension_days", Integer),
    Column("extension_decision", Text, comment="granted | denied, from the deadline service"),
    Column("extension_decided_at", DateTime(timezone=True)),
    UniqueConstraint("dossier_id", "position", name="uq_steps_dossier_position"),
    CheckConstraint(f"state IN {STEP_STATES}", name="state"),
    CheckConstraint(
        "pause_reason IS NULL OR pause_reason IN ('supplement', 'financial_obligation')", name="pause_reason"
    ),
)
# The agency queue: a keyset scan in due order, whatever the state filter.
Index("ix_steps_queue", steps.c.agency_code, steps.c.state, steps.c.due_at, steps.c.id)
# The default queue (every waiting state at once) reads one ordered range of this smaller index.
Index(
    "ix_steps_open_queue",
    steps.c.agency_code,
    steps.c.due_at,
    steps.c.id,
    postgresql_where=steps.c.state.in_(OPEN_STEP_STATES),
)

# Form 02 asked by an agency (phiếu yêu cầu bổ sung); the limit is one per agency and dossier.
supplement_requests = Table(
    "supplement_requests",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("dossier_id", Uuid, ForeignKey("plans.dossier_id"), nullable=False),
    Column("step_id", Uuid, ForeignKey("steps.id"), nullable=False),
    Column("agency_code", Text, nullable=False),
    Column("items", JSONB, nullable=False, comment="[{code, name, reason}]"),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("override_reason", Text, comment="a leader's reason for asking again"),
    Column("resumed_at", DateTime(timezone=True), comment="when the citizen's supplement arrived"),
)
Index(
    "ix_supplement_requests_dossier_id", supplement_requests.c.dossier_id, supplement_requests.c.agency_code
)
