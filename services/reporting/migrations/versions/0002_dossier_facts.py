"""Model A: dossier facts, report cells and the per-day counters (a Fenwick tree), rebuild runs

Revision ID: reporting_0002
Revises: reporting_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "reporting_0002"
down_revision: str | None = "reporting_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERIES = (
    "received",
    "received_online",
    "received_counter",
    "level_1",
    "level_2",
    "level_3",
    "level_4",
    "digitized",
    "documents_digitized",
    "documents_reused",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "late_with_apology",
    "withdrawn",
    "rejected",
    "pending_overdue",
)


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), server_default=sa.text("false"), nullable=False)


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "dossier_facts",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("cell_id", sa.Integer(), nullable=True, comment="report_cells row the dossier counts in"),
        sa.Column("procedure_code", sa.Text(), nullable=True),
        sa.Column("procedure_name", sa.Text(), nullable=True),
        sa.Column("field_code", sa.Text(), nullable=True),
        sa.Column("field_name", sa.Text(), nullable=True),
        sa.Column("agency_code", sa.Text(), nullable=True, comment="the lead agency"),
        sa.Column("agency_name", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True, comment="direct, post or online"),
        sa.Column("service_level", sa.SmallInteger(), nullable=True, comment="online service level 1-4"),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_date", sa.Date(), nullable=True, comment="dates are calendar dates in Vietnam"),
        sa.Column(
            "due_date",
            sa.Date(),
            nullable=True,
            comment="the original due (from dossier.received; else dossier.resolved)",
        ),
        sa.Column("resolved_date", sa.Date(), nullable=True),
        sa.Column("withdrawn_date", sa.Date(), nullable=True),
        sa.Column("rejected_date", sa.Date(), nullable=True, comment="dossier.rejected or dossier.stopped"),
        sa.Column("returned_date", sa.Date(), nullable=True),
        _flag("apology"),
        _flag("imported"),
        _flag("supplement_waiting"),
        _flag("digitized"),
        _count("documents_digitized"),
        _count("documents_reused"),
        sa.Column(
            "marks",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
            comment="supplement pauses and resumptions heard: {pauses, resumes, supplied}",
        ),
        sa.Column(
            "waiting",
            postgresql.DATEMULTIRANGE(),
            server_default=sa.text("'{}'::datemultirange"),
            nullable=False,
            comment="the days at whose end the dossier waited for a supplement (derived from marks)",
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_dossier_facts")),
        schema="reporting",
    )
    op.create_index(
        op.f("ix_dossier_facts_received_date"),
        "dossier_facts",
        ["received_date"],
        unique=False,
        schema="reporting",
    )
    op.create_table(
        "report_cells",
        sa.Column("cell_id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("procedure_code", sa.Text(), nullable=False),
        sa.Column("field_code", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("field_name", sa.Text(), nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column(
            "named_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="receipt time of the dossier the names came from",
        ),
        sa.PrimaryKeyConstraint("cell_id", name=op.f("pk_report_cells")),
        sa.UniqueConstraint("procedure_code", "field_code", "agency_code", name="uq_report_cells_key"),
        schema="reporting",
    )
    op.create_table(
        "report_tree",
        sa.Column(
            "node",
            sa.Integer(),
            nullable=False,
            comment="Fenwick node: 1-based day index since the epoch",
        ),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False) for name in SERIES),
        sa.PrimaryKeyConstraint("node", "cell_id", name=op.f("pk_report_tree")),
        schema="reporting",
    )
    op.create_table(
        "rebuild_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("state", sa.Text(), nullable=False, comment="running, swapping, done or failed"),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "events", sa.BigInteger(), server_default=sa.text("0"), nullable=False, comment="events applied"
        ),
        sa.Column(
            "progress",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
            comment="per stream",
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rebuild_runs")),
        schema="reporting",
    )


def downgrade() -> None:
    op.drop_table("rebuild_runs", schema="reporting")
    op.drop_table("report_tree", schema="reporting")
    op.drop_table("report_cells", schema="reporting")
    op.drop_index(op.f("ix_dossier_facts_received_date"), table_name="dossier_facts", schema="reporting")
    op.drop_table("dossier_facts", schema="reporting")
