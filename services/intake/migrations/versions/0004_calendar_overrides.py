"""calendar overrides

Revision ID: intake_0004
Revises: intake_0003
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0004"
down_revision: str | None = "intake_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_overrides",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "working",
            sa.Boolean(),
            nullable=True,
            comment="true: a working day (e.g. a Saturday worked); null: removed",
        ),
        sa.Column(
            "reason",
            sa.Text(),
            nullable=True,
            comment="why, as a due date explains the day; null when removed",
        ),
        sa.Column(
            "event_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="set_at or removed_at of the event applied: an older event for the day changes nothing",
        ),
        sa.Column(
            "version",
            sa.BigInteger(),
            nullable=False,
            comment="the table's change counter when the row was last written (writers hold a table lock)",
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(working IS NULL) = (reason IS NULL)", name=op.f("ck_calendar_overrides_tombstone")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_overrides")),
        sa.UniqueConstraint("version", name="uq_calendar_overrides_version"),
        schema="intake",
    )


def downgrade() -> None:
    op.drop_table("calendar_overrides", schema="intake")
