"""the lead agency's name from the procedure snapshot (form 04's heading)

Revision ID: deadline_0005
Revises: deadline_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "deadline_0005"
down_revision: str | None = "deadline_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dossiers",
        sa.Column(
            "lead_agency_name",
            sa.Text(),
            nullable=True,
            comment="the procedure snapshot's: form 04's heading for the lead",
        ),
        schema="deadline",
    )


def downgrade() -> None:
    op.drop_column("dossiers", "lead_agency_name", schema="deadline")
