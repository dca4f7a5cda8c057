"""Reports by unit: the units and the agencies' levels; each cell and dossier fact keeps its receiving
unit, and dossier facts are found by code (a ballot's dossier). Cells made before have unit '' (unknown unit) until a rebuild reads their units from the events.

Revision ID: reporting_0007
Revises: reporting_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "reporting_0007"
down_revision = "reporting_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "units",
        sa.Column("code", sa.Text(), nullable=False, comment="the prefix of its dossiers' codes"),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "kind",
            sa.Text(),
            nullable=True,
            comment="provincial_centre, branch, commune_centre or district_centre",
        ),
        sa.Column(
            "parent_code",
            sa.Text(),
            nullable=True,
            comment="the unit above it: the hierarchy a report's unit= filter follows",
        ),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True, comment="as registered"),
        sa.Column("successor_code", sa.Text(), nullable=True, comment="as registered"),
        sa.Column(
            "registered_at", tz, nullable=True, comment="the registration event's time: the latest wins"
        ),
        sa.Column("closed_to", sa.Date(), nullable=True, comment="the last day it receives, as closed"),
        sa.Column(
            "closed_successor_code", sa.Text(), nullable=True, comment="the unit that took over, as closed"
        ),
        sa.Column("closed_at", tz, nullable=True, comment="the closing event's time: the latest wins"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_units")),
        schema="reporting",
    )
    op.create_index("ix_units_parent_code", "units", ["parent_code"], schema="reporting")
    op.create_table(
        "agency_levels",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.Text(), nullable=True),
        sa.Column("registered_at", tz, nullable=False, comment="the event's time: the latest wins"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agency_levels")),
        schema="reporting",
    )
    op.add_column(
        "dossier_facts",
        sa.Column(
            "unit_code",
            sa.Text(),
            nullable=True,
            comment="the receiving unit; null in rows stored before units were kept",
        ),
        schema="reporting",
    )
    op.add_column(
        "report_cells",
        sa.Column(
            "unit_code",
            sa.Text(),
            nullable=False,
            server_default=sa.text("''"),
            comment="the receiving unit; '' (unknown) in cells made before units were kept",
        ),
        schema="reporting",
    )
    op.drop_constraint("uq_report_cells_key", "report_cells", schema="reporting")
    op.create_unique_constraint(
        "uq_report_cells_key",
        "report_cells",
        ["procedure_code", "field_code", "agency_code", "unit_code"],
        schema="reporting",
    )
    op.create_index("ix_dossier_facts_code", "dossier_facts", ["code"], schema="reporting")


def downgrade() -> None:
    op.drop_index("ix_dossier_facts_code", "dossier_facts", schema="reporting")
    op.drop_constraint("uq_report_cells_key", "report_cells", schema="reporting")
    op.execute("DELETE FROM reporting.report_cells WHERE unit_code <> ''")  # keys would collide
    op.create_unique_constraint(
        "uq_report_cells_key",
        "report_cells",
        ["procedure_code", "field_code", "agency_code"],
        schema="reporting",
    )
    op.drop_column("report_cells", "unit_code", schema="reporting")
    op.drop_column("dossier_facts", "unit_code", schema="reporting")
    op.drop_table("agency_levels", schema="reporting")
    op.drop_index("ix_units_parent_code", "units", schema="reporting")
    op.drop_table("units", schema="reporting")
