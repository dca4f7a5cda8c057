"""Paper transfers between units: a batch goes to an agency or to a receiving unit, its items are a
step's papers or a dossier's result, and a plan remembers whether it was received across the boundary.

Revision ID: routing_0007
Revises: routing_0006

Existing batches are agencies' and existing items steps': they keep their codes, `kind` step and
their days. Existing plans take `received_across_boundary` false, as events sent before it said.
"""

import sqlalchemy as sa
from alembic import op

revision = "routing_0007"
down_revision = "routing_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "plans",
        sa.Column(
            "received_across_boundary",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="received at a unit other than the lead agency's: its papers and result travel",
        ),
        schema="routing",
    )
    _batches_to_units()
    _items_of_results()


def _batches_to_units() -> None:
    op.alter_column(
        "transfer_batches",
        "agency_code",
        existing_type=sa.Text(),
        nullable=True,
        comment="the RECEIVING agency; null for a unit's batch",
        existing_comment="the RECEIVING agency",
        schema="routing",
    )
    op.add_column(
        "transfer_batches",
        sa.Column(
            "unit_code",
            sa.Text(),
            nullable=True,
            comment="the RECEIVING unit (results to hand over); null for an agency's",
        ),
        schema="routing",
    )
    op.create_check_constraint(
        op.f("ck_transfer_batches_destination"),
        "transfer_batches",
        "(agency_code IS NULL) <> (unit_code IS NULL)",
        schema="routing",
    )
    op.create_index(
        "uq_transfer_batches_unit_session_slot",
        "transfer_batches",
        ["unit_code", "transfer_at"],
        unique=True,
        schema="routing",
        postgresql_where=sa.text("kind = 'session'"),
    )
    op.create_index(
        "ix_transfer_batches_unit_code",
        "transfer_batches",
        ["unit_code", "session_date"],
        unique=False,
        schema="routing",
    )


def _items_of_results() -> None:
    # A result has no step: the step id stops being the key, and stays unique where it is set.
    op.drop_constraint(op.f("pk_transfer_items"), "transfer_items", schema="routing", type_="primary")
    op.add_column(
        "transfer_items",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        schema="routing",
    )
    op.create_primary_key(op.f("pk_transfer_items"), "transfer_items", ["id"], schema="routing")
    op.add_column(
        "transfer_items",
        sa.Column("kind", sa.Text(), server_default="step", nullable=False, comment="step | result"),
        schema="routing",
    )
    op.alter_column(
        "transfer_items",
        "step_id",
        existing_type=sa.Uuid(),
        nullable=True,
        comment="the step the papers go to; null for a result",
        schema="routing",
    )
    op.create_index("uq_transfer_items_step_id", "transfer_items", ["step_id"], unique=True, schema="routing")
    op.add_column(
        "transfer_items",
        sa.Column(
            "from_unit_code",
            sa.Text(),
            nullable=True,
            comment="the receiving unit the papers leave, if across the boundary",
        ),
        schema="routing",
    )
    op.alter_column(
        "transfer_items",
        "days",
        existing_type=sa.Numeric(precision=6, scale=1),
        nullable=True,
        comment="the step's budget; null for a result",
        schema="routing",
    )
    op.create_check_constraint(
        op.f("ck_transfer_items_kind"), "transfer_items", "kind IN ('step', 'result')", schema="routing"
    )
    op.create_check_constraint(
        op.f("ck_transfer_items_step_fields"),
        "transfer_items",
        "(kind = 'step') = (step_id IS NOT NULL AND days IS NOT NULL)",
        schema="routing",
    )
    op.create_index(
        "uq_transfer_items_result",
        "transfer_items",
        ["dossier_id"],
        unique=True,
        schema="routing",
        postgresql_where=sa.text("kind = 'result'"),
    )


def downgrade() -> None:
    # Results and units' batches have no place in the older tables: they go.
    op.execute("DELETE FROM routing.transfer_items WHERE kind = 'result'")
    op.execute("DELETE FROM routing.transfer_batches WHERE unit_code IS NOT NULL")
    op.drop_index("uq_transfer_items_result", table_name="transfer_items", schema="routing")
    op.drop_constraint(
        op.f("ck_transfer_items_step_fields"), "transfer_items", schema="routing", type_="check"
    )
    op.drop_constraint(op.f("ck_transfer_items_kind"), "transfer_items", schema="routing", type_="check")
    op.alter_column(
        "transfer_items",
        "days",
        existing_type=sa.Numeric(precision=6, scale=1),
        nullable=False,
        comment=None,
        existing_comment="the step's budget; null for a result",
        schema="routing",
    )
    op.drop_column("transfer_items", "from_unit_code", schema="routing")
    op.drop_index("uq_transfer_items_step_id", table_name="transfer_items", schema="routing")
    op.drop_constraint(op.f("pk_transfer_items"), "transfer_items", schema="routing", type_="primary")
    op.alter_column(
        "transfer_items",
        "step_id",
        existing_type=sa.Uuid(),
        nullable=False,
        comment=None,
        existing_comment="the step the papers go to; null for a result",
        schema="routing",
    )
    op.create_primary_key(op.f("pk_transfer_items"), "transfer_items", ["step_id"], schema="routing")
    op.drop_column("transfer_items", "kind", schema="routing")
    op.drop_column("transfer_items", "id", schema="routing")
    op.drop_index("ix_transfer_batches_unit_code", table_name="transfer_batches", schema="routing")
    op.drop_index("uq_transfer_batches_unit_session_slot", table_name="transfer_batches", schema="routing")
    op.drop_constraint(
        op.f("ck_transfer_batches_destination"), "transfer_batches", schema="routing", type_="check"
    )
    op.drop_column("transfer_batches", "unit_code", schema="routing")
    op.alter_column(
        "transfer_batches",
        "agency_code",
        existing_type=sa.Text(),
        nullable=False,
        comment="the RECEIVING agency",
        existing_comment="the RECEIVING agency; null for a unit's batch",
        schema="routing",
    )
    op.drop_column("plans", "received_across_boundary", schema="routing")
