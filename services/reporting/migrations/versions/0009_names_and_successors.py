"""Reports over a period name each procedure, field and agency as it was then (`name_spans`, filled
here from the dossier facts already stored), and can roll merged agencies up into their successors
(`agency_levels` learns effective_to and successor_code from catalog.agency.registered and
catalog.agency.closed; rows stored before have none until a rebuild reads them from the events).

Revision ID: reporting_0009
Revises: reporting_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "reporting_0009"
down_revision = "reporting_0008"
branch_labels = None
depends_on = None

_KINDS = (
    ("procedure", "procedure_code", "procedure_name"),
    ("field", "field_code", "field_name"),
    ("agency", "agency_code", "agency_name"),
)


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "name_spans",
        sa.Column("kind", sa.Text(), nullable=False, comment="procedure, field or agency"),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("first_at", tz, nullable=False, comment="the earliest receipt under this name"),
        sa.Column("last_at", tz, nullable=False, comment="the latest receipt under this name"),
        sa.PrimaryKeyConstraint("kind", "code", "name", name=op.f("pk_name_spans")),
        schema="reporting",
    )
    for kind, code, name in _KINDS:
        op.execute(
            "INSERT INTO reporting.name_spans (kind, code, name, first_at, last_at) "  # noqa: S608
            f"SELECT '{kind}', {code}, {name}, min(received_at), max(received_at) "
            "FROM reporting.dossier_facts "
            f"WHERE {code} IS NOT NULL AND {name} IS NOT NULL AND received_at IS NOT NULL "
            f"GROUP BY {code}, {name}"
        )
    op.alter_column("agency_levels", "level", existing_type=sa.Text(), nullable=True, schema="reporting")
    op.alter_column(
        "agency_levels",
        "registered_at",
        existing_type=tz,
        nullable=True,
        existing_comment="the event's time: the latest wins",
        schema="reporting",
    )
    columns = (
        sa.Column("effective_to", sa.Date(), nullable=True, comment="its last day in force, as registered"),
        sa.Column(
            "successor_code", sa.Text(), nullable=True, comment="the agency that took over, as registered"
        ),
        sa.Column("closed_to", sa.Date(), nullable=True, comment="its last day in force, as closed"),
        sa.Column(
            "closed_successor_code", sa.Text(), nullable=True, comment="the agency that took over, as closed"
        ),
        sa.Column("closed_at", tz, nullable=True, comment="the closing event's time: the latest wins"),
    )
    for column in columns:
        op.add_column("agency_levels", column, schema="reporting")


def downgrade() -> None:
    for name in ("closed_at", "closed_successor_code", "closed_to", "successor_code", "effective_to"):
        op.drop_column("agency_levels", name, schema="reporting")
    # A closing heard before its registration has no level: the old table cannot hold it.
    op.execute("DELETE FROM reporting.agency_levels WHERE level IS NULL OR registered_at IS NULL")
    op.alter_column(
        "agency_levels",
        "registered_at",
        existing_type=sa.DateTime(timezone=True),
        nullable=False,
        existing_comment="the event's time: the latest wins",
        schema="reporting",
    )
    op.alter_column("agency_levels", "level", existing_type=sa.Text(), nullable=False, schema="reporting")
    op.drop_table("name_spans", schema="reporting")
