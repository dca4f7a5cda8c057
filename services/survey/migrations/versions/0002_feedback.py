"""feedback and complaints (phản ánh, kiến nghị), their forwards, the audit log

Revision ID: survey_0002
Revises: survey_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.audit_migration import create_audit_table_v1, drop_audit_table_v1

revision: str = "survey_0002"
down_revision: str | None = "survey_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_table_v1("survey")
    op.create_table(
        "feedback_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Text(),
            nullable=False,
            comment="feedback (phản ánh) | petition (kiến nghị) | complaint (khiếu nại)",
        ),
        sa.Column("source", sa.Text(), nullable=False, comment="citizen | ballot"),
        sa.Column("ballot_id", sa.Uuid(), nullable=True, comment="the unsatisfied ballot that opened it"),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False, comment="the agency responsible now"),
        sa.Column("received_agency_code", sa.Text(), nullable=False, comment="the agency first routed to"),
        sa.Column("dossier_code", sa.Text(), nullable=True),
        sa.Column(
            "contact",
            sa.Text(),
            nullable=True,
            comment="personal data: never logged, never in events; shown to the agency and admins only",
        ),
        sa.Column(
            "citizen_sub", sa.Text(), nullable=True, comment="the portal account that sent it, if logged in"
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "answer_due_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="set once at receipt; a forward does not restart it",
        ),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Text(), nullable=True, comment="the officer's token sub"),
        sa.CheckConstraint(
            "kind IN ('feedback', 'petition', 'complaint')", name=op.f("ck_feedback_items_kind")
        ),
        sa.CheckConstraint("source IN ('citizen', 'ballot')", name=op.f("ck_feedback_items_source")),
        sa.CheckConstraint(
            "(answer IS NULL) = (answered_at IS NULL) AND (answered_at IS NULL) = (answered_by IS NULL)",
            name=op.f("ck_feedback_items_answered"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_items")),
        schema="survey",
    )
    op.create_index(
        "uq_feedback_items_ballot_id",
        "feedback_items",
        ["ballot_id"],
        unique=True,
        schema="survey",
        postgresql_where=sa.text("ballot_id IS NOT NULL"),
    )
    op.create_index(
        "ix_feedback_items_agency_due",
        "feedback_items",
        ["agency_code", "answer_due_at", "id"],
        unique=False,
        schema="survey",
    )
    op.create_index(
        "ix_feedback_items_due", "feedback_items", ["answer_due_at", "id"], unique=False, schema="survey"
    )
    op.create_index(
        "ix_feedback_items_received_at", "feedback_items", ["received_at"], unique=False, schema="survey"
    )
    op.create_table(
        "feedback_forwards",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("feedback_id", sa.Uuid(), nullable=False),
        sa.Column("from_agency_code", sa.Text(), nullable=False),
        sa.Column("to_agency_code", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Text(), nullable=False, comment="the officer's token sub"),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["survey.feedback_items.id"],
            name=op.f("fk_feedback_forwards_feedback_id_feedback_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_forwards")),
        schema="survey",
    )
    op.create_index(
        "ix_feedback_forwards_feedback_id", "feedback_forwards", ["feedback_id", "id"], schema="survey"
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_forwards_feedback_id", table_name="feedback_forwards", schema="survey")
    op.drop_table("feedback_forwards", schema="survey")
    op.drop_index("ix_feedback_items_received_at", table_name="feedback_items", schema="survey")
    op.drop_index("ix_feedback_items_due", table_name="feedback_items", schema="survey")
    op.drop_index("ix_feedback_items_agency_due", table_name="feedback_items", schema="survey")
    op.drop_index("uq_feedback_items_ballot_id", table_name="feedback_items", schema="survey")
    op.drop_table("feedback_items", schema="survey")
    drop_audit_table_v1("survey")
