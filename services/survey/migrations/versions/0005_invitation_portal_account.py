"""the portal account that submitted a dossier, so only it (and reception) may read its invitation

Revision ID: survey_0005
Revises: survey_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "survey_0005"
down_revision: str | None = "survey_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no backfill: invitations opened before intake sent the account stay readable by
    # reception only (survey never had the account, and must not guess it).
    op.add_column(
        "invitations",
        sa.Column(
            "portal_account",
            sa.Text(),
            nullable=True,
            comment="the sub of the portal account that submitted the dossier online: the only portal "
            "account that may read the invitation; null for counter and post dossiers",
        ),
        schema="survey",
    )


def downgrade() -> None:
    op.drop_column("invitations", "portal_account", schema="survey")
