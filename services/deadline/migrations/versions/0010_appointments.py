"""the new appointments announced: one row per resumption that moved a dossier's due

Revision ID: deadline_0010
Revises: deadline_0009

`dossier.appointment_changed` is staged when a derivation finds a resumption of the dossier's clock
that moved its due and is not here (or here with another due); the row is written in the same
transaction, so deriving the same facts again announces nothing. Created empty: a dossier paused before
this revision has its resumptions announced the next time one of its events is heard.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "deadline_0010"
down_revision: str | None = "deadline_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column(
            "resumed_at", sa.DateTime(timezone=True), nullable=False, comment="the end of the dossier's pause"
        ),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, comment="supplement | obligation"),
        sa.Column(
            "due_at", sa.DateTime(timezone=True), nullable=False, comment="the due last announced for it"
        ),
        sa.Column(
            "event_id",
            sa.Uuid(),
            nullable=False,
            comment="the last dossier.appointment_changed staged for it",
        ),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reason IN ('supplement', 'obligation')", name=op.f("ck_appointments_reason")),
        sa.PrimaryKeyConstraint("dossier_id", "resumed_at", name=op.f("pk_appointments")),
        schema="deadline",
    )


def downgrade() -> None:
    op.drop_table("appointments", schema="deadline")
