"""an index of the dossiers resolved late, by the day they were resolved (the delay report)

Revision ID: reporting_0004
Revises: reporting_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reporting_0004"
down_revision: str | None = "reporting_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_dossier_facts_resolved_late",
        "dossier_facts",
        ["resolved_date"],
        unique=False,
        schema="reporting",
        postgresql_where=sa.text("resolved_date > due_date"),
        postgresql_include=["dossier_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_dossier_facts_resolved_late", table_name="dossier_facts", schema="reporting")
