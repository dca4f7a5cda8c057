"""A procedure version may leave its supplement policy to the rule set of each dossier.

Revision ID: deadline_0008
Revises: deadline_0007

`catalog.procedure.published` now carries a null policy for such a version. Existing rows keep theirs.
A dossier's own policy, resolved by intake, is on its `dossiers` row, from `dossier.received`.
"""

import sqlalchemy as sa
from alembic import op

revision = "deadline_0008"
down_revision = "deadline_0007"
branch_labels = None
depends_on = None

_COMMENT = "shift | restart as the copy first heard says; null: left to each dossier's rule set"


def upgrade() -> None:
    op.alter_column(
        "procedures",
        "supplement_policy",
        existing_type=sa.Text(),
        nullable=True,
        comment=_COMMENT,
        schema="deadline",
    )


def downgrade() -> None:
    op.execute("UPDATE deadline.procedures SET supplement_policy = 'shift' WHERE supplement_policy IS NULL")
    op.alter_column(
        "procedures",
        "supplement_policy",
        existing_type=sa.Text(),
        nullable=False,
        comment=None,
        existing_comment=_COMMENT,
        schema="deadline",
    )
