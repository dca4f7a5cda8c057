"""index for the agencies' reminder lists: an agency's running clocks in due order

Revision ID: deadline_0004
Revises: deadline_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "deadline_0004"
down_revision: str | None = "deadline_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_clocks_running_agency_due",
        "clocks",
        ["agency_code", "due_at", "id"],
        unique=False,
        schema="deadline",
        postgresql_where=sa.text("state = 'running'"),
    )


def downgrade() -> None:
    op.drop_index("ix_clocks_running_agency_due", table_name="clocks", schema="deadline")
