"""Dead letters: one row per message, and resolved by an administrator (re-driven or discarded).

Revision ID: reporting_0006
Revises: reporting_0005
"""

from shared.messaging.migration import downgrade_dead_letter_v2, upgrade_dead_letter_v2

revision = "reporting_0006"
down_revision = "reporting_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_dead_letter_v2("reporting")


def downgrade() -> None:
    downgrade_dead_letter_v2("reporting")
