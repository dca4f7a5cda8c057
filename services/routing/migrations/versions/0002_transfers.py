"""paper transfers

Revision ID: routing_0002
Revises: routing_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "routing_0002"
down_revision: str | None = "routing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfer_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False, comment="the RECEIVING agency"),
        sa.Column(
            "kind",
            sa.Text(),
            nullable=False,
            comment="session | immediate (a same-day dossier travels alone)",
        ),
        sa.Column("session", sa.Text(), nullable=False, comment="morning | afternoon, in Vietnam time"),
        sa.Column(
            "session_date", sa.Date(), nullable=False, comment="the working day of the session, Vietnam date"
        ),
        sa.Column("transfer_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False, comment="open | signed"),
        sa.Column("signed_by_name", sa.Text(), nullable=True),
        sa.Column("signed_by", sa.Text(), nullable=True, comment="the signer's token sub"),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('session', 'immediate')", name=op.f("ck_transfer_batches_kind")),
        sa.CheckConstraint("session IN ('morning', 'afternoon')", name=op.f("ck_transfer_batches_session")),
        sa.CheckConstraint("status IN ('open', 'signed')", name=op.f("ck_transfer_batches_status")),
        sa.CheckConstraint(
            "(status = 'signed') = (signed_at IS NOT NULL AND signed_by_name IS NOT NULL)",
            name=op.f("ck_transfer_batches_signed"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_batches")),
        schema="routing",
    )
    op.create_index(
        "uq_transfer_batches_session_slot",
        "transfer_batches",
        ["agency_code", "transfer_at"],
        unique=True,
        schema="routing",
        postgresql_where=sa.text("kind = 'session'"),
    )
    op.create_index(
        "ix_transfer_batches_agency_code",
        "transfer_batches",
        ["agency_code", "session_date"],
        unique=False,
        schema="routing",
    )
    op.create_table(
        "transfer_items",
        sa.Column("step_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("procedure_code", sa.Text(), nullable=True),
        sa.Column("procedure_name", sa.Text(), nullable=True),
        sa.Column("from_agency_code", sa.Text(), nullable=True, comment="null: from the one-stop centre"),
        sa.Column("handed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("days", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("same_day", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, comment="which branch of the cut-off rule placed it"),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["routing.transfer_batches.id"],
            name=op.f("fk_transfer_items_batch_id_transfer_batches"),
        ),
        sa.PrimaryKeyConstraint("step_id", name=op.f("pk_transfer_items")),
        schema="routing",
    )
    op.create_index(
        "ix_transfer_items_batch_id", "transfer_items", ["batch_id"], unique=False, schema="routing"
    )


def downgrade() -> None:
    op.drop_index("ix_transfer_items_batch_id", table_name="transfer_items", schema="routing")
    op.drop_table("transfer_items", schema="routing")
    op.drop_index("ix_transfer_batches_agency_code", table_name="transfer_batches", schema="routing")
    op.drop_index("uq_transfer_batches_session_slot", table_name="transfer_batches", schema="routing")
    op.drop_table("transfer_batches", schema="routing")
