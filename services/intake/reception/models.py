"""Tables of reception: the answer to a dossier not received, and the requests already answered."""

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Identity, Table, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB

from services.intake.models import metadata

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
