"""calendar overrides

Revision ID: survey_0006
Revises: survey_0005
Create Date: 2026-12-06 18:40:00.000000
"""

from collections.abc import Sequence

from shared.calendar_replica_migration import create_calendar_overrides_v1, drop_calendar_overrides_v1

revision: str = "survey_0006"
down_revision: str | None = "survey_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_calendar_overrides_v1("survey")


def downgrade() -> None:
    drop_calendar_overrides_v1("survey")
