"""calendar overrides, replicated from the deadline service

Revision ID: routing_0004
Revises: routing_0003
"""

from collections.abc import Sequence

from shared.calendar_replica_migration import create_calendar_overrides_v1, drop_calendar_overrides_v1

revision: str = "routing_0004"
down_revision: str | None = "routing_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_calendar_overrides_v1("routing")


def downgrade() -> None:
    drop_calendar_overrides_v1("routing")
