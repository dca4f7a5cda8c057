"""reporting model B: ballots, feedback items, step outcomes and agency names (built from events)

Revision ID: reporting_0003
Revises: reporting_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "reporting_0003"
down_revision: str | None = "reporting_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)
_SCHEMA = "reporting"


def upgrade() -> None:
    op.create_table(
        "ballots",
        sa.Column("ballot_id", sa.Uuid(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False, comment="the agency rated"),
        sa.Column("dossier_code", sa.Text(), nullable=True, comment="null: anonymous at a kiosk"),
        sa.Column("channel", sa.Text(), nullable=False, comment="portal, kiosk or counter"),
        sa.Column("form_code", sa.Text(), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column(
            "answers",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="{question code: option code}",
        ),
        sa.Column("reason_given", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", _TZ, nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False, comment="date in Vietnam"),
        sa.PrimaryKeyConstraint("ballot_id", name=op.f("pk_ballots")),
        schema=_SCHEMA,
    )
    op.create_index(
        "ix_ballots_submitted_on_agency_code", "ballots", ["submitted_on", "agency_code"], schema=_SCHEMA
    )
    op.create_table(
        "feedback_items",
        sa.Column("feedback_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True, comment="feedback, petition or complaint"),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column(
            "source", sa.Text(), nullable=True, comment="citizen, or ballot (opened by an unsatisfied ballot)"
        ),
        sa.Column("dossier_code", sa.Text(), nullable=True),
        sa.Column(
            "received_agency_code", sa.Text(), nullable=True, comment="the agency it was first addressed to"
        ),
        sa.Column("received_at", _TZ, nullable=True),
        sa.Column(
            "received_on",
            sa.Date(),
            nullable=True,
            comment="date in Vietnam; null until the receipt is heard",
        ),
        sa.Column("answer_due_at", _TZ, nullable=True),
        sa.Column("answer_due_on", sa.Date(), nullable=True),
        sa.Column("forwarded_agency_code", sa.Text(), nullable=True),
        sa.Column("forwarded_at", _TZ, nullable=True),
        sa.Column("answered_agency_code", sa.Text(), nullable=True),
        sa.Column("answered_at", _TZ, nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column(
            "answered_on_time",
            sa.Boolean(),
            nullable=True,
            comment="as the survey service judged it, by date in Vietnam",
        ),
        sa.PrimaryKeyConstraint("feedback_id", name=op.f("pk_feedback_items")),
        schema=_SCHEMA,
    )
    op.create_index("ix_feedback_items_received_on", "feedback_items", ["received_on"], schema=_SCHEMA)
    op.create_table(
        "step_outcomes",
        sa.Column("step_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_code", sa.Text(), nullable=False),
        sa.Column("lead_agency_code", sa.Text(), nullable=False),
        sa.Column("step_agency_code", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, comment="1-based on the route"),
        sa.Column("group_no", sa.Integer(), nullable=False),
        sa.Column("completed_at", _TZ, nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("due_at", _TZ, nullable=False, comment="the due the outcome is judged by"),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False, comment="early, on_time or late"),
        sa.PrimaryKeyConstraint("step_id", name=op.f("pk_step_outcomes")),
        schema=_SCHEMA,
    )
    op.create_index("ix_step_outcomes_dossier_id", "step_outcomes", ["dossier_id"], schema=_SCHEMA)
    op.create_table(
        "agency_names",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sector", sa.Text(), nullable=False),
        sa.Column("registered_at", _TZ, nullable=False, comment="the event's time: the latest wins"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agency_names")),
        schema=_SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("agency_names", schema=_SCHEMA)
    op.drop_index("ix_step_outcomes_dossier_id", table_name="step_outcomes", schema=_SCHEMA)
    op.drop_table("step_outcomes", schema=_SCHEMA)
    op.drop_index("ix_feedback_items_received_on", table_name="feedback_items", schema=_SCHEMA)
    op.drop_table("feedback_items", schema=_SCHEMA)
    op.drop_index("ix_ballots_submitted_on_agency_code", table_name="ballots", schema=_SCHEMA)
    op.drop_table("ballots", schema=_SCHEMA)
