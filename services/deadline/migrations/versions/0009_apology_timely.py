"""apology letters: whether each was sent in time, and the last day it could have been

Revision ID: deadline_0009
Revises: deadline_0008

A letter is timely when issued no later than one working day before the due it is judged against
(services/deadline/apology/rules.py). Letters issued before this revision keep null: they were judged
by no such rule, and the calendar of their day is not at hand in SQL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "deadline_0009"
down_revision: str | None = "deadline_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "apology_letters",
        sa.Column(
            "timely",
            sa.Boolean(),
            nullable=True,
            comment="issued by timely_until (rules.is_timely); null: the due unknown, or issued before 0009",
        ),
        schema="deadline",
    )
    op.add_column(
        "apology_letters",
        sa.Column(
            "timely_until",
            sa.Date(),
            nullable=True,
            comment="the last day a letter was timely: a working day before the due",
        ),
        schema="deadline",
    )


def downgrade() -> None:
    op.drop_column("apology_letters", "timely_until", schema="deadline")
    op.drop_column("apology_letters", "timely", schema="deadline")
