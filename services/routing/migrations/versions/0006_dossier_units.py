"""A plan keeps its dossier's receiving and return units, for reception's visibility.

Revision ID: routing_0006
Revises: routing_0005

Existing plans keep null: received before units, at the default unit, seen by reception as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "routing_0006"
down_revision = "routing_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "plans",
        sa.Column(
            "unit_code",
            sa.Text(),
            nullable=True,
            comment="the receiving unit; null: received before units, the default unit",
        ),
        schema="routing",
    )
    op.add_column(
        "plans",
        sa.Column(
            "return_unit_code",
            sa.Text(),
            nullable=True,
            comment="where the result is handed over; null: the receiving unit",
        ),
        schema="routing",
    )


def downgrade() -> None:
    op.drop_column("plans", "return_unit_code", schema="routing")
    op.drop_column("plans", "unit_code", schema="routing")
