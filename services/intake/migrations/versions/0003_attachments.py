"""attachments

Revision ID: intake_0003
Revises: intake_0002
Create Date: 2026-11-26 14:36:53.710992
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0003"
down_revision: str | None = "intake_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.Text(), nullable=False, comment="the file's name in the blob store"),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column(
            "content_type", sa.Text(), nullable=False, comment="from the file's magic bytes, not the client"
        ),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_attachments_sha256_hex")),
        sa.CheckConstraint("size > 0 AND pages > 0", name=op.f("ck_attachments_size_pages")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachments")),
        schema="intake",
    )
    op.create_table(
        "dossier_documents",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column(
            "document_code",
            sa.Text(),
            nullable=False,
            comment="the checklist item of the procedure's version",
        ),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False, comment="as uploaded, NFC"),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        sa.Column(
            "reused_from",
            sa.Uuid(),
            nullable=True,
            comment="the same applicant's earlier dossier this component was taken from (tái sử dụng)",
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["intake.dossiers.id"], name=op.f("fk_dossier_documents_dossier_id_dossiers")
        ),
        sa.ForeignKeyConstraint(
            ["reused_from"], ["intake.dossiers.id"], name=op.f("fk_dossier_documents_reused_from_dossiers")
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["intake.attachments.sha256"], name=op.f("fk_dossier_documents_sha256_attachments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_documents")),
        sa.UniqueConstraint("dossier_id", "document_code", name="uq_dossier_documents_component"),
        schema="intake",
    )
    op.create_index(
        "ix_dossier_documents_sha256", "dossier_documents", ["sha256"], unique=False, schema="intake"
    )


def downgrade() -> None:
    op.drop_index("ix_dossier_documents_sha256", table_name="dossier_documents", schema="intake")
    op.drop_table("dossier_documents", schema="intake")
    op.drop_table("attachments", schema="intake")
