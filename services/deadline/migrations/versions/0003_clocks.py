"""SLA clocks per dossier and step, pause marks, procedures, extensions, calendar overrides

Revision ID: deadline_0003
Revises: deadline_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "deadline_0003"
down_revision: str | None = "deadline_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_overrides",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False, comment="the admin's token sub"),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("btrim(reason) <> ''", name=op.f("ck_calendar_overrides_reason")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_overrides")),
        schema="deadline",
    )
    op.create_table(
        "calendar_revision",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("revision", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_calendar_revision_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_revision")),
        schema="deadline",
    )
    op.create_table(
        "clocks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False, comment="dossier | step"),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column(
            "step_id",
            sa.Uuid(),
            nullable=True,
            comment="the route step (routing's id); null for the dossier's clock",
        ),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("portal_id", sa.Text(), nullable=True),
        sa.Column("lead_agency_code", sa.Text(), nullable=False),
        sa.Column(
            "agency_code", sa.Text(), nullable=False, comment="responsible: the step's agency, or the lead"
        ),
        sa.Column("position", sa.Integer(), nullable=True, comment="the step's position on the route"),
        sa.Column(
            "days",
            sa.Numeric(precision=8, scale=2),
            nullable=True,
            comment="the step's budget, counted afresh on a restart",
        ),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="clock start at receipt / step assignment",
        ),
        sa.Column("original_due_at", sa.DateTime(timezone=True), nullable=True, comment="never overwritten"),
        sa.Column(
            "due_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="moved by pauses only: lateness is judged by it",
        ),
        sa.Column(
            "extended_due_at", sa.DateTime(timezone=True), nullable=True, comment="after a granted extension"
        ),
        sa.Column(
            "warn_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="MOTCUA_DUE_SOON_HOURS working hours before due_at",
        ),
        sa.Column("state", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column(
            "paused_at", sa.DateTime(timezone=True), nullable=True, comment="start of the pause under way"
        ),
        sa.Column("paused_minutes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "stopped_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="derived: its own end, or the dossier's",
        ),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column(
            "step_ended_at", sa.DateTime(timezone=True), nullable=True, comment="the step's own end as heard"
        ),
        sa.Column("step_end_reason", sa.Text(), nullable=True, comment="completed | rejected | stopped"),
        sa.Column("imported", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("due_soon_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("(scope = 'step') = (step_id IS NOT NULL)", name=op.f("ck_clocks_step_id")),
        sa.CheckConstraint("scope IN ('dossier', 'step')", name=op.f("ck_clocks_scope")),
        sa.CheckConstraint(
            "state IN ('pending', 'running', 'paused', 'stopped')", name=op.f("ck_clocks_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clocks")),
        schema="deadline",
    )
    op.create_index("ix_clocks_dossier_id", "clocks", ["dossier_id"], unique=False, schema="deadline")
    op.create_index(
        "ix_clocks_overdue",
        "clocks",
        ["due_at"],
        unique=False,
        schema="deadline",
        postgresql_where=sa.text("state = 'running' AND overdue_sent_at IS NULL"),
    )
    op.create_index(
        "ix_clocks_warn",
        "clocks",
        ["warn_at"],
        unique=False,
        schema="deadline",
        postgresql_where=sa.text("state = 'running' AND due_soon_sent_at IS NULL"),
    )
    op.create_index(
        "uq_clocks_dossier",
        "clocks",
        ["dossier_id"],
        unique=True,
        schema="deadline",
        postgresql_where=sa.text("scope = 'dossier'"),
    )
    op.create_index(
        "uq_clocks_step",
        "clocks",
        ["step_id"],
        unique=True,
        schema="deadline",
        postgresql_where=sa.text("scope = 'step'"),
    )
    op.create_table(
        "dossiers",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("portal_id", sa.Text(), nullable=True),
        sa.Column("lead_agency_code", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "original_due_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the due intake promised on the receipt",
        ),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("procedure_code", sa.Text(), nullable=True),
        sa.Column("procedure_version", sa.Integer(), nullable=True),
        sa.Column("procedure_name", sa.Text(), nullable=True),
        sa.Column(
            "applicant_name",
            sa.Text(),
            nullable=True,
            comment="form 04's addressee: personal data, never logged",
        ),
        sa.Column(
            "full_days",
            sa.Numeric(precision=8, scale=2),
            nullable=True,
            comment="the dossier's processing days (online time if online)",
        ),
        sa.Column("day_kind", sa.Text(), nullable=True),
        sa.Column("same_day", sa.Boolean(), nullable=True),
        sa.Column("cutoff", sa.Time(), nullable=True),
        sa.Column("supplement_policy", sa.Text(), nullable=True, comment="shift | restart, the procedure's"),
        sa.Column("imported", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column(
            "version",
            sa.Integer(),
            server_default=sa.text("0"),
            nullable=False,
            comment="sequence of our events",
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_dossiers")),
        schema="deadline",
    )
    op.create_index("ix_dossiers_code", "dossiers", ["code"], unique=False, schema="deadline")
    op.create_table(
        "extensions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("step_id", sa.Uuid(), nullable=False),
        sa.Column("lead_agency_code", sa.Text(), nullable=False),
        sa.Column("step_agency_code", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=True),
        sa.Column("requested_by_role", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, comment="the request's, as asked (may be empty)"),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column(
            "current_due_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the due the request was judged against",
        ),
        sa.Column("state", sa.Text(), nullable=False, comment="granted | denied"),
        sa.Column(
            "denial_code",
            sa.Text(),
            nullable=True,
            comment="after_due | no_reason | not_a_leader | already_extended",
        ),
        sa.Column("new_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "minutes",
            sa.Integer(),
            nullable=True,
            comment="the working minutes granted, kept beyond the due as it moves",
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_event_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(state = 'granted') = (new_due_at IS NOT NULL)", name=op.f("ck_extensions_granted_due")
        ),
        sa.CheckConstraint("state IN ('granted', 'denied')", name=op.f("ck_extensions_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extensions")),
        sa.UniqueConstraint("step_id", "requested_at", name="uq_extensions_request"),
        schema="deadline",
    )
    op.create_index(
        "ix_extensions_agency",
        "extensions",
        ["step_agency_code", "requested_at"],
        unique=False,
        schema="deadline",
    )
    op.create_index("ix_extensions_dossier_id", "extensions", ["dossier_id"], unique=False, schema="deadline")
    op.create_index(
        "ix_extensions_requested_at", "extensions", ["requested_at"], unique=False, schema="deadline"
    )
    op.create_table(
        "pause_marks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("step_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False, comment="pause | resume"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True, comment="supplement | financial_obligation"),
        sa.Column("policy", sa.Text(), nullable=True, comment="on a resumption: the policy routing applied"),
        sa.CheckConstraint("kind IN ('pause', 'resume')", name=op.f("ck_pause_marks_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pause_marks")),
        sa.UniqueConstraint("step_id", "kind", "at", name="uq_pause_marks_mark"),
        schema="deadline",
    )
    op.create_index(
        "ix_pause_marks_dossier_id", "pause_marks", ["dossier_id"], unique=False, schema="deadline"
    )
    op.create_table(
        "procedures",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False),
        sa.Column("processing_days", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("online_processing_days", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("day_kind", sa.Text(), nullable=False),
        sa.Column("same_day", sa.Boolean(), nullable=False),
        sa.Column("cutoff", sa.Time(), nullable=False),
        sa.Column("supplement_policy", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", "version", name=op.f("pk_procedures")),
        schema="deadline",
    )


def downgrade() -> None:
    op.drop_table("procedures", schema="deadline")
    op.drop_index("ix_pause_marks_dossier_id", table_name="pause_marks", schema="deadline")
    op.drop_table("pause_marks", schema="deadline")
    op.drop_index("ix_extensions_requested_at", table_name="extensions", schema="deadline")
    op.drop_index("ix_extensions_dossier_id", table_name="extensions", schema="deadline")
    op.drop_index("ix_extensions_agency", table_name="extensions", schema="deadline")
    op.drop_table("extensions", schema="deadline")
    op.drop_index("ix_dossiers_code", table_name="dossiers", schema="deadline")
    op.drop_table("dossiers", schema="deadline")
    op.drop_index(
        "uq_clocks_step", table_name="clocks", schema="deadline", postgresql_where=sa.text("scope = 'step'")
    )
    op.drop_index(
        "uq_clocks_dossier",
        table_name="clocks",
        schema="deadline",
        postgresql_where=sa.text("scope = 'dossier'"),
    )
    op.drop_index(
        "ix_clocks_warn",
        table_name="clocks",
        schema="deadline",
        postgresql_where=sa.text("state = 'running' AND due_soon_sent_at IS NULL"),
    )
    op.drop_index(
        "ix_clocks_overdue",
        table_name="clocks",
        schema="deadline",
        postgresql_where=sa.text("state = 'running' AND overdue_sent_at IS NULL"),
    )
    op.drop_index("ix_clocks_dossier_id", table_name="clocks", schema="deadline")
    op.drop_table("clocks", schema="deadline")
    op.drop_table("calendar_revision", schema="deadline")
    op.drop_table("calendar_overrides", schema="deadline")
