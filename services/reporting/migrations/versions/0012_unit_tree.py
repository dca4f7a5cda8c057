"""The processing tree summed per receiving unit (issue #15): `report_unit_tree`.

A report by unit for a whole province read 14 rows of `report_tree` a cell (some 158,000 for 17,100
cells); `report_unit_tree` holds the same Fenwick tree summed per receiving unit (the cells'
`unit_code`), for the processing report's own series (`arithmetic.ROW_SERIES`) only, so it reads 14
rows a unit. The handlers keep it in step with `report_tree` in the same transaction; this migration
fills it from the existing tree (GROUP BY node, unit_code), so no rebuild is needed.

Revision ID: reporting_0012
Revises: reporting_0011
"""

import sqlalchemy as sa
from alembic import op

revision = "reporting_0012"
down_revision = "reporting_0011"
branch_labels = None
depends_on = None

# `models.UNIT_TREE_SERIES` (= `arithmetic.ROW_SERIES`) as of this revision.
SERIES = (
    "received",
    "received_online",
    "received_counter",
    "digitized",
    "documents_digitized",
    "documents_reused",
    "received_across_boundary",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "late_with_apology",
    "late_with_timely_apology",
    "withdrawn",
    "rejected",
    "pending_overdue",
)


def upgrade() -> None:
    op.create_table(
        "report_unit_tree",
        sa.Column(
            "node",
            sa.Integer(),
            nullable=False,
            comment="Fenwick node: 1-based day index since the epoch",
        ),
        sa.Column(
            "unit_code", sa.Text(), nullable=False, comment="the receiving unit (report_cells.unit_code)"
        ),
        *(sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False) for name in SERIES),
        sa.PrimaryKeyConstraint("node", "unit_code", name=op.f("pk_report_unit_tree")),
        schema="reporting",
    )
    op.execute(fill_sql("reporting"))


def fill_sql(schema: str) -> str:
    """Fill `schema`.report_unit_tree from the cell tree: its rows summed per (node, receiving unit)."""
    sums = ", ".join(f"sum(t.{s})" for s in SERIES)
    return (
        f"INSERT INTO {schema}.report_unit_tree (node, unit_code, {', '.join(SERIES)}) "  # noqa: S608
        f"SELECT t.node, c.unit_code, {sums} FROM {schema}.report_tree t "
        f"JOIN {schema}.report_cells c USING (cell_id) GROUP BY 1, 2"
    )


def downgrade() -> None:
    op.drop_table("report_unit_tree", schema="reporting")
