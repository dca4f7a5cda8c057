"""receiving units

Revision ID: intake_0006
Revises: intake_0005
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0006"
down_revision: str | None = "intake_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.Text(), nullable=False, comment="mã đơn vị, the prefix of its dossiers' codes"),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Text(),
            nullable=False,
            comment="provincial_centre, branch, commune_centre, district_centre",
        ),
        sa.Column("parent_code", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column(
            "effective_to", sa.Date(), nullable=True, comment="the last day it receives; null while open"
        ),
        sa.Column("successor_code", sa.Text(), nullable=True, comment="the unit that took over"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('provincial_centre', 'branch', 'commune_centre', 'district_centre')",
            name=op.f("ck_units_kind"),
        ),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name=op.f("ck_units_period")
        ),
        sa.CheckConstraint(
            "successor_code IS NULL OR effective_to IS NOT NULL", name=op.f("ck_units_successor_of_closed")
        ),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["intake.units.code"], name=op.f("fk_units_parent_code_units")
        ),
        sa.ForeignKeyConstraint(
            ["successor_code"], ["intake.units.code"], name=op.f("fk_units_successor_code_units")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_units")),
        schema="intake",
    )


def downgrade() -> None:
    op.drop_table("units", schema="intake")
