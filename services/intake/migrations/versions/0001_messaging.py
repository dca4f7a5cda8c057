"""Outbox, inbox and dead-letter tables.

Revision ID: intake_0001
Revises:
"""

from shared.messaging.migration import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "intake_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables_v1("intake")


def downgrade() -> None:
    drop_messaging_tables_v1("intake")
