"""survey forms, ballots, invitations, and what survey knows of agencies and dossiers

Revision ID: survey_0003
Revises: survey_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "survey_0003"
down_revision: str | None = "survey_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "sector", sa.Text(), nullable=False, comment="lĩnh vực / ngành, as satisfaction reports group it"
        ),
        sa.Column("registered_at", _TZ, nullable=False, comment="the event's time"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agencies")),
        schema="survey",
    )
    op.create_table(
        "dossiers",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False, comment="the lead agency"),
        sa.Column("field_code", sa.Text(), nullable=False),
        sa.Column("procedure_code", sa.Text(), nullable=False),
        sa.Column("received_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_dossiers_dossier_id")),
        schema="survey",
    )
    op.create_table(
        "invitations",
        sa.Column("dossier_code", sa.Text(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column(
            "agency_code",
            sa.Text(),
            nullable=False,
            comment="the lead agency; the ballot is attributed to it",
        ),
        sa.Column("returned_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.Column("used_at", _TZ, nullable=True, comment="set by the dossier's ballot: single use"),
        sa.PrimaryKeyConstraint("dossier_code", name=op.f("pk_invitations")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_invitations_dossier_id")),
        schema="survey",
    )
    op.create_table(
        "forms",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column(
            "questions",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="[{code, label, required, options: [{code, label, requires_reason}]}]",
        ),
        sa.Column("created_at", _TZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forms")),
        sa.UniqueConstraint("code", "version", name="uq_forms_code_version"),
        schema="survey",
    )
    op.create_index("ix_forms_code_effective_from", "forms", ["code", "effective_from"], schema="survey")
    op.create_table(
        "ballots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("form_id", sa.BigInteger(), nullable=False, comment="the form version answered"),
        sa.Column("agency_code", sa.Text(), nullable=False),
        sa.Column("dossier_code", sa.Text(), nullable=True, comment="null: anonymous at a kiosk"),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column(
            "answers",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="{question code: option code}",
        ),
        sa.Column(
            "reason",
            sa.Text(),
            nullable=True,
            comment="why not satisfied; required where the option asks for one",
        ),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", _TZ, nullable=False),
        sa.CheckConstraint("channel IN ('portal', 'kiosk', 'counter')", name=op.f("ck_ballots_channel")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("dossier_code", name="uq_ballots_dossier_code"),
        schema="survey",
    )


def downgrade() -> None:
    op.drop_table("ballots", schema="survey")
    op.drop_index("ix_forms_code_effective_from", table_name="forms", schema="survey")
    op.drop_table("forms", schema="survey")
    op.drop_table("invitations", schema="survey")
    op.drop_table("dossiers", schema="survey")
    op.drop_table("agencies", schema="survey")
