"""Dossiers received across the administrative boundary: a fact per dossier and a per-day counter of
the Fenwick tree. Existing rows are false and 0 until a rebuild reads the flag from the events (absent
in older ones: false).

Revision ID: reporting_0008
Revises: reporting_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "reporting_0008"
down_revision = "reporting_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "dossier_facts",
        sa.Column(
            "received_across_boundary",
            sa.Boolean(),
            nullable=False,
            server_default=sa.text("false"),
            comment="received at a unit other than the lead agency's (dossier.received)",
        ),
        schema="reporting",
    )
    op.add_column(
        "report_tree",
        sa.Column("received_across_boundary", sa.Integer(), nullable=False, server_default=sa.text("0")),
        schema="reporting",
    )


def downgrade() -> None:
    op.drop_column("report_tree", "received_across_boundary", schema="reporting")
    op.drop_column("dossier_facts", "received_across_boundary", schema="reporting")
