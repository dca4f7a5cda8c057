"""Dead letters: one row per message, and resolved by an administrator (re-driven or discarded).

Revision ID: deadline_0006
Revises: deadline_0005
"""

from shared.messaging.migration import downgrade_dead_letter_v2, upgrade_dead_letter_v2

revision = "deadline_0006"
down_revision = "deadline_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_dead_letter_v2("deadline")


def downgrade() -> None:
    downgrade_dead_letter_v2("deadline")
