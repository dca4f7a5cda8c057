"""Fees paid against a step's financial obligation, one row per payment, for Decision 766's online
payment rate.

Revision ID: routing_0008
Revises: routing_0007

No payment was recorded before: the table starts empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "routing_0008"
down_revision = "routing_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fee_payments",
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("step_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False, comment="in Vietnamese đồng"),
        sa.Column("channel", sa.Text(), nullable=False, comment="online | counter | bank_transfer"),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "reference", sa.Text(), nullable=True, comment="the payment platform's or the receipt's number"
        ),
        sa.Column("recorded_by", sa.Text(), nullable=False, comment="the recording officer's token sub"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fee_payments_amount")),
        sa.CheckConstraint(
            "channel IN ('online', 'counter', 'bank_transfer')", name=op.f("ck_fee_payments_channel")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["routing.plans.dossier_id"], name=op.f("fk_fee_payments_dossier_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["step_id"], ["routing.steps.id"], name=op.f("fk_fee_payments_step_id_steps")
        ),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_fee_payments")),
        schema="routing",
    )
    op.create_index(
        "ix_fee_payments_step_id", "fee_payments", ["step_id", "paid_at"], unique=False, schema="routing"
    )
    op.create_index(
        "uq_fee_payments_step_reference",
        "fee_payments",
        ["step_id", "reference"],
        unique=True,
        schema="routing",
        postgresql_where=sa.text("reference IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_fee_payments_step_reference", table_name="fee_payments", schema="routing")
    op.drop_index("ix_fee_payments_step_id", table_name="fee_payments", schema="routing")
    op.drop_table("fee_payments", schema="routing")
