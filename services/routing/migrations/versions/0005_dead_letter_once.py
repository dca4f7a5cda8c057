"""Dead letters: one row per message, and resolved by an administrator (re-driven or discarded).

Revision ID: routing_0005
Revises: routing_0004
"""

from shared.messaging.migration import downgrade_dead_letter_v2, upgrade_dead_letter_v2

revision = "routing_0005"
down_revision = "routing_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_dead_letter_v2("routing")


def downgrade() -> None:
    downgrade_dead_letter_v2("routing")
