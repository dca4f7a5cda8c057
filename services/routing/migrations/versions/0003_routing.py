"""route plans, steps, supplement requests, early facts, audit log

Revision ID: routing_0003
Revises: routing_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.audit_migration import create_audit_table_v1, drop_audit_table_v1

revision: str = "routing_0003"
down_revision: str | None = "routing_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "state IN ('assigned', 'in_progress', 'paused')"


def upgrade() -> None:
    create_audit_table_v1("routing")
    op.create_table(
        "plans",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("portal_id", sa.Text(), nullable=True),
        sa.Column(
            "lead_agency_code", sa.Text(), nullable=False, comment="the procedure's agency: events' identity"
        ),
        sa.Column("procedure_code", sa.Text(), nullable=False),
        sa.Column("procedure_version", sa.Integer(), nullable=True),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("lead_agency_name", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=False, comment="direct | post | online; not online = paper"),
        sa.Column("day_kind", sa.Text(), server_default="working", nullable=False),
        sa.Column("same_day", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("cutoff", sa.Time(), server_default=sa.text("'15:00'"), nullable=False),
        sa.Column("supplement_policy", sa.Text(), server_default="shift", nullable=False),
        sa.Column("applicant_kind", sa.Text(), nullable=False, comment="person | organisation"),
        sa.Column("applicant_name", sa.Text(), nullable=False, comment="queues show who the dossier is for"),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clock_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "due_at", sa.DateTime(timezone=True), nullable=False, comment="the dossier's own due, as received"
        ),
        sa.Column("state", sa.Text(), server_default="open", nullable=False),
        sa.Column(
            "version",
            sa.Integer(),
            server_default=sa.text("0"),
            nullable=False,
            comment="sequence of our events",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'resolved', 'rejected', 'stopped', 'withdrawn')", name=op.f("ck_plans_state")
        ),
        sa.CheckConstraint(
            "supplement_policy IN ('shift', 'restart')", name=op.f("ck_plans_supplement_policy")
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_plans")),
        sa.UniqueConstraint("code", name=op.f("uq_plans_code")),
        schema="routing",
    )
    op.create_table(
        "steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, comment="1-based order on the route"),
        sa.Column("group_no", sa.Integer(), nullable=False, comment="steps of one group run in parallel"),
        sa.Column("agency_code", sa.Text(), nullable=False),
        sa.Column(
            "days",
            sa.Numeric(precision=6, scale=1),
            nullable=False,
            comment="the step's budget in the procedure's days",
        ),
        sa.Column(
            "procedure_code",
            sa.Text(),
            nullable=False,
            comment="copied from the plan: the queue filters on it",
        ),
        sa.Column("state", sa.Text(), server_default="pending", nullable=False),
        sa.Column(
            "from_agency_code", sa.Text(), nullable=True, comment="who handed it over; null for the centre"
        ),
        sa.Column("transfer", sa.Text(), nullable=True, comment="electronic | paper, set at assignment"),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.Text(), nullable=True),
        sa.Column(
            "closed_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="completed, rejected, stopped or cancelled",
        ),
        sa.Column(
            "note", sa.Text(), nullable=True, comment="the result note, or the reason of a rejection or stop"
        ),
        sa.Column("original_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "pause_reason", sa.Text(), nullable=True, comment="supplement | financial_obligation while paused"
        ),
        sa.Column("paused_minutes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("extension_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_days", sa.Integer(), nullable=True),
        sa.Column(
            "extension_decision",
            sa.Text(),
            nullable=True,
            comment="granted | denied, from the deadline service",
        ),
        sa.Column("extension_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "pause_reason IS NULL OR pause_reason IN ('supplement', 'financial_obligation')",
            name=op.f("ck_steps_pause_reason"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'assigned', 'in_progress', 'paused', 'completed', 'rejected', 'stopped', "
            "'cancelled')",
            name=op.f("ck_steps_state"),
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["routing.plans.dossier_id"], name=op.f("fk_steps_dossier_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steps")),
        sa.UniqueConstraint("dossier_id", "position", name="uq_steps_dossier_position"),
        schema="routing",
    )
    op.create_index(
        "ix_steps_queue", "steps", ["agency_code", "state", "due_at", "id"], unique=False, schema="routing"
    )
    op.create_index(
        "ix_steps_open_queue",
        "steps",
        ["agency_code", "due_at", "id"],
        unique=False,
        schema="routing",
        postgresql_where=sa.text(_OPEN),
    )
    op.create_table(
        "supplement_requests",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("step_id", sa.Uuid(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False),
        sa.Column(
            "items", postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment="[{code, name, reason}]"
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True, comment="a leader's reason for asking again"),
        sa.Column(
            "resumed_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="when the citizen's supplement arrived",
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["routing.plans.dossier_id"],
            name=op.f("fk_supplement_requests_dossier_id_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["step_id"], ["routing.steps.id"], name=op.f("fk_supplement_requests_step_id_steps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplement_requests")),
        schema="routing",
    )
    op.create_index(
        "ix_supplement_requests_dossier_id",
        "supplement_requests",
        ["dossier_id", "agency_code"],
        unique=False,
        schema="routing",
    )
    op.create_table(
        "facts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Text(),
            nullable=False,
            comment="withdrawn | supplement_received | extension_granted | extension_denied",
        ),
        sa.Column("step_id", sa.Uuid(), nullable=True, comment="the step an extension decision is about"),
        sa.Column(
            "at", sa.DateTime(timezone=True), nullable=False, comment="when it happened, from the event"
        ),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('withdrawn', 'supplement_received', 'extension_granted', 'extension_denied')",
            name=op.f("ck_facts_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facts")),
        schema="routing",
    )
    op.create_index(
        "ix_facts_pending",
        "facts",
        ["dossier_id", "kind"],
        unique=False,
        schema="routing",
        postgresql_where=sa.text("applied_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_facts_pending", table_name="facts", schema="routing")
    op.drop_table("facts", schema="routing")
    op.drop_index("ix_supplement_requests_dossier_id", table_name="supplement_requests", schema="routing")
    op.drop_table("supplement_requests", schema="routing")
    op.drop_index("ix_steps_open_queue", table_name="steps", schema="routing")
    op.drop_index("ix_steps_queue", table_name="steps", schema="routing")
    op.drop_table("steps", schema="routing")
    op.drop_table("plans", schema="routing")
    drop_audit_table_v1("routing")
