"""catalogue and reception

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-11-26 14:24:48.459584
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.audit_migration import create_audit_table_v1, drop_audit_table_v1

revision: str = "intake_0002"
down_revision: str | None = "intake_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "sector", sa.Text(), nullable=False, comment="lĩnh vực / ngành, as satisfaction reports group it"
        ),
        sa.Column(
            "unit_code",
            sa.Text(),
            nullable=False,
            comment="mã đơn vị, lowest level first, ending in the province",
        ),
        sa.Column(
            "level", sa.Text(), nullable=False, comment="province, district or commune: data, not an enum"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agencies")),
        schema="intake",
    )
    op.create_table(
        "applicants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), server_default="person", nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.Column(
            "id_number", sa.Text(), nullable=True, comment="personal data: never logged, never in events"
        ),
        sa.Column("phone", sa.Text(), nullable=True, comment="personal data: never logged, never in events"),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicants")),
        schema="intake",
    )
    op.create_index("ix_applicants_id_number", "applicants", ["id_number"], unique=False, schema="intake")
    create_audit_table_v1("intake")
    op.create_table(
        "dossier_counters",
        sa.Column("unit_code", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_code", "day", name=op.f("pk_dossier_counters")),
        schema="intake",
    )
    op.create_table(
        "fields",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_fields")),
        schema="intake",
    )
    op.create_table(
        "procedures",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("national_code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.Column("field_code", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False),
        sa.Column("processing_days", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("day_kind", sa.Text(), server_default="working", nullable=False),
        sa.Column("online_processing_days", sa.Numeric(precision=6, scale=1), nullable=True),
        sa.Column("same_day", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("cutoff", sa.Time(), server_default=sa.text("'15:00'"), nullable=False),
        sa.Column("service_level", sa.Integer(), nullable=False),
        sa.Column("supplement_policy", sa.Text(), server_default="shift", nullable=False),
        sa.Column("fee", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("fee_note", sa.Text(), nullable=True),
        sa.Column("route", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("documents", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.CheckConstraint("day_kind IN ('working', 'calendar')", name=op.f("ck_procedures_day_kind")),
        sa.CheckConstraint("service_level BETWEEN 1 AND 4", name=op.f("ck_procedures_service_level")),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["intake.agencies.code"], name=op.f("fk_procedures_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["field_code"], ["intake.fields.code"], name=op.f("fk_procedures_field_code_fields")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedures")),
        sa.UniqueConstraint("code", "version", name="uq_procedures_code_version"),
        schema="intake",
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True, comment="<unit>-<yyMMdd>-<NNNN>, given at receipt"),
        sa.Column(
            "portal_id", sa.Text(), nullable=True, comment="the online submission's id, kept beside the code"
        ),
        sa.Column(
            "external_code", sa.Text(), nullable=True, comment="the old system's id of an imported dossier"
        ),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("procedure_id", sa.BigInteger(), nullable=False),
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False, comment="direct | post | online"),
        sa.Column("service_level", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_channel", sa.Text(), nullable=True),
        sa.Column("lookup_secret_hash", sa.Text(), nullable=True),
        sa.Column(
            "documents",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
            comment="checklist codes provided",
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("imported", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["intake.applicants.id"], name=op.f("fk_dossiers_applicant_id_applicants")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["intake.procedures.id"], name=op.f("fk_dossiers_procedure_id_procedures")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("code", name=op.f("uq_dossiers_code")),
        sa.UniqueConstraint("external_code", name=op.f("uq_dossiers_external_code")),
        sa.UniqueConstraint("portal_id", name=op.f("uq_dossiers_portal_id")),
        schema="intake",
    )
    op.create_index("ix_dossiers_status_due", "dossiers", ["status", "due_at"], unique=False, schema="intake")
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("caller", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["intake.dossiers.id"], name=op.f("fk_idempotency_keys_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("key", "caller", name=op.f("pk_idempotency_keys")),
        schema="intake",
    )
    op.create_table(
        "reception_decisions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("form", sa.Text(), nullable=False, comment="02 supplement guidance | 03 refusal"),
        sa.Column(
            "missing_documents", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["intake.dossiers.id"], name=op.f("fk_reception_decisions_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_decisions")),
        schema="intake",
    )
    op.create_table(
        "timeline",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column(
            "public_note",
            sa.Text(),
            nullable=True,
            comment="what the citizen's look-up shows; internal notes stay in the audit log",
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["intake.dossiers.id"], name=op.f("fk_timeline_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline")),
        schema="intake",
    )
    op.create_index("ix_timeline_dossier", "timeline", ["dossier_id", "at"], unique=False, schema="intake")


def downgrade() -> None:
    op.drop_index("ix_timeline_dossier", table_name="timeline", schema="intake")
    op.drop_table("timeline", schema="intake")
    op.drop_table("reception_decisions", schema="intake")
    op.drop_table("idempotency_keys", schema="intake")
    op.drop_index("ix_dossiers_status_due", table_name="dossiers", schema="intake")
    op.drop_table("dossiers", schema="intake")
    op.drop_table("procedures", schema="intake")
    op.drop_table("fields", schema="intake")
    op.drop_table("dossier_counters", schema="intake")
    drop_audit_table_v1("intake")
    op.drop_index("ix_applicants_id_number", table_name="applicants", schema="intake")
    op.drop_table("applicants", schema="intake")
    op.drop_table("agencies", schema="intake")
