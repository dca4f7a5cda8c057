"""an index of the late route steps by dossier (the delay report reads them from it alone)

Revision ID: reporting_0005
Revises: reporting_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reporting_0005"
down_revision: str | None = "reporting_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_step_outcomes_late",
        "step_outcomes",
        ["dossier_id"],
        unique=False,
        schema="reporting",
        postgresql_where=sa.text("outcome = 'late'"),
        postgresql_include=["step_agency_code", "position", "completed_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_step_outcomes_late", table_name="step_outcomes", schema="reporting")
