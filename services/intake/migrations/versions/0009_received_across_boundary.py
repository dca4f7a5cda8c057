"""a dossier received across the administrative boundary

Revision ID: intake_0009
Revises: intake_0008
Create Date: 2026-12-06 19:20:00.000000

Reception decides it from the receiving unit and the lead agency's unit. Existing rows are false:
no dossier stored before counts as received across.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0009"
down_revision: str | None = "intake_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dossiers",
        sa.Column(
            "received_across_boundary",
            sa.Boolean(),
            nullable=False,
            server_default=sa.text("false"),
            comment="received at a unit other than the lead agency's",
        ),
        schema="intake",
    )


def downgrade() -> None:
    op.drop_column("dossiers", "received_across_boundary", schema="intake")
