"""Deadline's dossier row keeps its dossier's receiving and return units, for reception's visibility.

Revision ID: deadline_0007
Revises: deadline_0006

Existing rows keep null: received before units, at the default unit, seen by reception as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "deadline_0007"
down_revision = "deadline_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "dossiers",
        sa.Column(
            "unit_code",
            sa.Text(),
            nullable=True,
            comment="the receiving unit; null: received before units, the default unit",
        ),
        schema="deadline",
    )
    op.add_column(
        "dossiers",
        sa.Column(
            "return_unit_code",
            sa.Text(),
            nullable=True,
            comment="where the result is handed over; null: the receiving unit",
        ),
        schema="deadline",
    )


def downgrade() -> None:
    op.drop_column("dossiers", "return_unit_code", schema="deadline")
    op.drop_column("dossiers", "unit_code", schema="deadline")
