"""a dossier's new appointment after a pause of its clock

Revision ID: intake_0011
Revises: intake_0010
Create Date: 2026-12-06 21:00:00.000000

When a supplement or a financial obligation ends and the procedure's policy moves the due, the citizen
gets a new appointment (`dossier.appointment_changed`); `due_at` stays the receipt's. Existing rows have
none: no appointment was moved before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0011"
down_revision: str | None = "intake_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("appointment_at", "appointment_reason", "appointment_paused_at", "appointment_resumed_at")


def upgrade() -> None:
    op.add_column(
        "dossiers",
        sa.Column(
            "appointment_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the appointment a pause moved (dossier.appointment_changed); null: due_at stands",
        ),
        schema="intake",
    )
    op.add_column(
        "dossiers",
        sa.Column(
            "appointment_reason",
            sa.Text(),
            nullable=True,
            comment="supplement | obligation: the pause that last moved it",
        ),
        schema="intake",
    )
    op.add_column(
        "dossiers",
        sa.Column("appointment_paused_at", sa.DateTime(timezone=True), nullable=True),
        schema="intake",
    )
    op.add_column(
        "dossiers",
        sa.Column(
            "appointment_resumed_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the resumption it is from: a later one wins, whatever order the events came in",
        ),
        schema="intake",
    )


def downgrade() -> None:
    for column in reversed(_COLUMNS):
        op.drop_column("dossiers", column, schema="intake")
