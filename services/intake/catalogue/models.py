"""Tables of the catalogue: agencies, fields and the versions of each procedure."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    Numeric,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.intake.models import metadata

agencies = Table(
    "agencies",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("sector", Text, nullable=False, comment="lĩnh vực / ngành, as satisfaction reports group it"),
    Column(
        "unit_code", Text, nullable=False, comment="mã đơn vị, lowest level first, ending in the province"
    ),
    Column(
        "level", Text, nullable=False, comment="central, province, commune or district: data, not an enum"
    ),
    Column("effective_from", Date, nullable=False, comment="its first day in force"),
    Column("effective_to", Date, comment="its last day in force; null while in force"),
    Column("successor_code", Text, ForeignKey("agencies.code"), comment="the agency that took over"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="period"),
    CheckConstraint("successor_code IS NULL OR effective_to IS NOT NULL", name="successor_of_closed"),
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
    Column(
        "supplement_policy",
        Text,
        comment="shift | restart; null: the default of the rule set of each dossier's receipt day",
    ),
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
