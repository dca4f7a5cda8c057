"""agencies in force from a day to a day, a merger naming the successor

Revision ID: intake_0008
Revises: intake_0007
Create Date: 2026-12-06 19:00:00.000000

Existing agencies are in force since before any dossier (1900-01-01, the first day inputs accept)
and have no last day.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0008"
down_revision: str | None = "intake_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "agencies",
        sa.Column(
            "effective_from",
            sa.Date(),
            nullable=False,
            server_default=sa.text("'1900-01-01'"),
            comment="its first day in force",
        ),
        schema="intake",
    )
    op.alter_column("agencies", "effective_from", server_default=None, schema="intake")
    op.add_column(
        "agencies",
        sa.Column(
            "effective_to", sa.Date(), nullable=True, comment="its last day in force; null while in force"
        ),
        schema="intake",
    )
    op.add_column(
        "agencies",
        sa.Column("successor_code", sa.Text(), nullable=True, comment="the agency that took over"),
        schema="intake",
    )
    op.create_foreign_key(
        op.f("fk_agencies_successor_code_agencies"),
        "agencies",
        "agencies",
        ["successor_code"],
        ["code"],
        source_schema="intake",
        referent_schema="intake",
    )
    op.create_check_constraint(
        op.f("ck_agencies_period"),
        "agencies",
        "effective_to IS NULL OR effective_to >= effective_from",
        schema="intake",
    )
    op.create_check_constraint(
        op.f("ck_agencies_successor_of_closed"),
        "agencies",
        "successor_code IS NULL OR effective_to IS NOT NULL",
        schema="intake",
    )
    op.alter_column(
        "agencies",
        "level",
        existing_type=sa.Text(),
        existing_nullable=False,
        comment="central, province, commune or district: data, not an enum",
        existing_comment="province, district or commune: data, not an enum",
        schema="intake",
    )


def downgrade() -> None:
    op.alter_column(
        "agencies",
        "level",
        existing_type=sa.Text(),
        existing_nullable=False,
        comment="province, district or commune: data, not an enum",
        existing_comment="central, province, commune or district: data, not an enum",
        schema="intake",
    )
    op.drop_constraint(op.f("ck_agencies_successor_of_closed"), "agencies", schema="intake", type_="check")
    op.drop_constraint(op.f("ck_agencies_period"), "agencies", schema="intake", type_="check")
    op.drop_constraint(
        op.f("fk_agencies_successor_code_agencies"), "agencies", schema="intake", type_="foreignkey"
    )
    op.drop_column("agencies", "successor_code", schema="intake")
    op.drop_column("agencies", "effective_to", schema="intake")
    op.drop_column("agencies", "effective_from", schema="intake")
