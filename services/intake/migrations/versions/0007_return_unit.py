"""the unit where a dossier's result is handed over

Revision ID: intake_0007
Revises: intake_0006
Create Date: 2026-12-06 19:00:00.000000

Every dossier already has its receiving unit (`unit_code`, the default unit for all rows so far). The
return unit is new: null on existing rows, which means the receiving unit.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0007"
down_revision: str | None = "intake_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dossiers",
        sa.Column(
            "return_unit_code",
            sa.Text(),
            nullable=True,
            comment="where the citizen takes the result; null: the receiving unit",
        ),
        schema="intake",
    )


def downgrade() -> None:
    op.drop_column("dossiers", "return_unit_code", schema="intake")
