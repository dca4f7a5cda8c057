"""Tables of the intake service, all in schema `intake`."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.audit import audit_table
from shared.calendar_replica import overrides_table
from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("intake")
messaging = messaging_tables(metadata)
audit_log = audit_table(metadata)

agencies = Table(
    "agencies",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("sector", Text, nullable=False, comment="lĩnh vực / ngành, as satisfaction reports group it"),
    Column(
        "unit_code", Text, nullable=False, comment="mã đơn vị, lowest level first, ending in the province"
    ),
    Column("level", Text, nullable=False, comment="province, district or commune: data, not an enum"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

fields = Table(
    "fields",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),  # lĩnh vực
)

# One row per version: a dossier keeps the version in force when it was received.
procedures = Table(
    "procedures",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("code", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("national_code", Text),
    Column("name", Text, nullable=False),
    Column("search_key", Text, nullable=False),
    Column("field_code", Text, ForeignKey("fields.code"), nullable=False),
    Column("agency_code", Text, ForeignKey("agencies.code"), nullable=False),
    Column("processing_days", Numeric(6, 1), nullable=False),
    Column("day_kind", Text, nullable=False, server_default="working"),
    Column("online_processing_days", Numeric(6, 1)),
    Column("same_day", Boolean, nullable=False, server_default=text("false")),
    Column("cutoff", Time, nullable=False, server_default=text("'15:00'")),
    Column("service_level", Integer, nullable=False),
    Column("supplement_policy", Text, nullable=False, server_default="shift"),
    Column("fee", Integer, nullable=False, server_default=text("0")),
    Column("fee_note", Text),
    Column("route", JSONB, nullable=False, server_default="[]"),
    Column("documents", JSONB, nullable=False, server_default="[]"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", Text, nullable=False),
    UniqueConstraint("code", "version", name="uq_procedures_code_version"),
    CheckConstraint("service_level BETWEEN 1 AND 4", name="service_level"),
    CheckConstraint("day_kind IN ('working', 'calendar')", name="day_kind"),
)

applicants = Table(
    "applicants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", Text, nullable=False, server_default="person"),  # person | organisation
    Column("name", Text, nullable=False),
    Column("search_key", Text, nullable=False),
    Column("id_number", Text, comment="personal data: never logged, never in events"),
    Column("phone", Text, comment="personal data: never logged, never in events"),
    Column("email", Text),
    Column("address", Text),
)
Index("ix_applicants_id_number", applicants.c.id_number)

# The per-unit daily counter behind dossier codes; its row lock serialises concurrent receptions.
dossier_counters = Table(
    "dossier_counters",
    metadata,
    Column("unit_code", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("code", Text, unique=True, comment="<unit>-<yyMMdd>-<NNNN>, given at receipt"),
    Column("portal_id", Text, unique=True, comment="the online submission's id, kept beside the code"),
    Column("external_code", Text, unique=True, comment="the old system's id of an imported dossier"),
    Column("status", Text, nullable=False),
    Column("procedure_id", BigInteger, ForeignKey("procedures.id"), nullable=False),
    Column("applicant_id", Uuid, ForeignKey("applicants.id"), nullable=False),
    Column("channel", Text, nullable=False, comment="direct | post | online"),
    Column("service_level", Integer, nullable=False),
    Column("unit_code", Text, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True)),
    Column("clock_started_at", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("returned_at", DateTime(timezone=True)),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("return_channel", Text),
    Column("lookup_secret_hash", Text),
    Column("documents", JSONB, nullable=False, server_default="[]", comment="checklist codes provided"),
    Column("note", Text),
    Column("imported", Boolean, nullable=False, server_default=text("false")),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_by", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_dossiers_status_due", dossiers.c.status, dossiers.c.due_at)

# Form 02 (phiếu hướng dẫn bổ sung) and form 03 (phiếu từ chối): the answer to a dossier not received.
reception_decisions = Table(
    "reception_decisions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("dossier_id", Uuid, ForeignKey("dossiers.id"), nullable=False),
    Column("form", Text, nullable=False, comment="02 supplement guidance | 03 refusal"),
    Column("missing_documents", JSONB, nullable=False, server_default="[]"),
    Column("reason", Text),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("issued_by", Text, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", Text, primary_key=True),
    Column("caller", Text, primary_key=True),
    Column("request_hash", Text, nullable=False),
    Column("dossier_id", Uuid, ForeignKey("dossiers.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

timeline = Table(
    "timeline",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("dossier_id", Uuid, ForeignKey("dossiers.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),
    Column(
        "public_note", Text, comment="what the citizen's look-up shows; internal notes stay in the audit log"
    ),
)
Index("ix_timeline_dossier", timeline.c.dossier_id, timeline.c.at)

# Digitization (số hóa thành phần hồ sơ): a file is stored once, by its content's SHA-256 (shared.storage);
# each checklist component of a dossier points at one stored file.
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

# The calendar's admin overrides, replicated from the deadline service (shared.calendar_replica).
calendar_overrides = overrides_table(metadata)
