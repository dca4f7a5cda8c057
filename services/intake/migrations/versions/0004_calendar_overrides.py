"""calendar overrides

Revision ID: intake_0004
Revises: intake_0003
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

from shared.calendar_replica_migration import create_calendar_overrides_v1, drop_calendar_overrides_v1

revision: str = "intake_0004"
down_revision: str | None = "intake_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_calendar_overrides_v1("intake")


def downgrade() -> None:
    drop_calendar_overrides_v1("intake")
