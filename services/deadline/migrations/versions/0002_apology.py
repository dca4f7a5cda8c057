"""apology letters (form 04) and the audit log

Revision ID: deadline_0002
Revises: deadline_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.audit_migration import create_audit_table_v1, drop_audit_table_v1

revision: str = "deadline_0002"
down_revision: str | None = "deadline_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_table_v1("deadline")
    op.create_table(
        "apology_letters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_code", sa.Text(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("step_id", sa.Uuid(), nullable=True, comment="null: the letter is about the whole dossier"),
        sa.Column(
            "agency_code", sa.Text(), nullable=False, comment="the issuing (responsible) agency: the token's"
        ),
        sa.Column("agency_name", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("apology", sa.Text(), nullable=False),
        sa.Column(
            "new_return_date",
            sa.Date(),
            nullable=False,
            comment="kept beside the due dates, never replacing them",
        ),
        sa.Column(
            "due_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the letter's clock (step or dossier) at issue",
        ),
        sa.Column(
            "original_due_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the same clock's original due",
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "appointment_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the return date on the receipt: the dossier's",
        ),
        sa.Column("procedure_name", sa.Text(), nullable=True),
        sa.Column(
            "applicant_name",
            sa.Text(),
            nullable=True,
            comment="the addressee: personal data, never logged, never in events",
        ),
        sa.Column("signed_by_name", sa.Text(), nullable=False),
        sa.Column("signed_by_title", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=False, comment="the token's sub"),
        sa.Column("issued_by_role", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "btrim(reason) <> '' AND btrim(apology) <> ''", name=op.f("ck_apology_letters_texts")
        ),
        sa.CheckConstraint(
            "btrim(signed_by_name) <> '' AND btrim(signed_by_title) <> ''",
            name=op.f("ck_apology_letters_signer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apology_letters")),
        schema="deadline",
    )
    for name, columns in (
        ("ix_apology_letters_agency_code", ["agency_code", "issued_at"]),
        ("ix_apology_letters_dossier_code", ["dossier_code"]),
        ("ix_apology_letters_dossier_id", ["dossier_id"]),
        ("ix_apology_letters_step_id", ["step_id"]),
        ("ix_apology_letters_issued_at", ["issued_at"]),
    ):
        op.create_index(name, "apology_letters", columns, unique=False, schema="deadline")


def downgrade() -> None:
    op.drop_table("apology_letters", schema="deadline")
    drop_audit_table_v1("deadline")
