"""Dead letters: one row per message, and resolved by an administrator (re-driven or discarded).

Revision ID: survey_0004
Revises: survey_0003
"""

from shared.messaging.migration import downgrade_dead_letter_v2, upgrade_dead_letter_v2

revision = "survey_0004"
down_revision = "survey_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_dead_letter_v2("survey")


def downgrade() -> None:
    downgrade_dead_letter_v2("survey")
