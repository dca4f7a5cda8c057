"""Dead letters: one row per message, and resolved by an administrator (re-driven or discarded).

Revision ID: intake_0005
Revises: intake_0004
"""

from shared.messaging.migration import downgrade_dead_letter_v2, upgrade_dead_letter_v2

revision = "intake_0005"
down_revision = "intake_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_dead_letter_v2("intake")


def downgrade() -> None:
    downgrade_dead_letter_v2("intake")
