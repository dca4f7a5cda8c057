"""Tables of digitization (số hóa thành phần hồ sơ): a file is stored once, by its content's SHA-256
(shared.storage); each checklist component of a dossier points at one stored file."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from services.intake.models import metadata

attachments = Table(
    "attachments",
    metadata,
    Column("sha256", Text, primary_key=True, comment="the file's name in the blob store"),
    Column("size", BigInteger, nullable=False),
    Column("content_type", Text, nullable=False, comment="from the file's magic bytes, not the client"),
    Column("pages", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
    CheckConstraint("size > 0 AND pages > 0", name="size_pages"),
)

dossier_documents = Table(
    "dossier_documents",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("dossier_id", Uuid, ForeignKey("dossiers.id"), nullable=False),
    Column("document_code", Text, nullable=False, comment="the checklist item of the procedure's version"),
    Column("sha256", Text, ForeignKey("attachments.sha256"), nullable=False),
    Column("filename", Text, nullable=False, comment="as uploaded, NFC"),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("uploaded_by", Text, nullable=False),
    Column(
        "reused_from",
        Uuid,
        ForeignKey("dossiers.id"),
        comment="the same applicant's earlier dossier this component was taken from (tái sử dụng)",
    ),
    UniqueConstraint("dossier_id", "document_code", name="uq_dossier_documents_component"),
)
Index("ix_dossier_documents_sha256", dossier_documents.c.sha256)
