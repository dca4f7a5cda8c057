"""The receiving units (đơn vị tiếp nhận): a province's centre, its branches and commune centres."""

from sqlalchemy import CheckConstraint, Column, Date, DateTime, ForeignKey, Table, Text, func

from services.intake.models import metadata

# A unit is never deleted: a closed one keeps its row (its dossiers keep their unit), with the last day
# it received and, after a merger, the unit that took over.
units = Table(
    "units",
    metadata,
    Column("code", Text, primary_key=True, comment="mã đơn vị, the prefix of its dossiers' codes"),
    Column("name", Text, nullable=False),
    Column(
        "kind", Text, nullable=False, comment="provincial_centre, branch, commune_centre, district_centre"
    ),
    Column("parent_code", Text, ForeignKey("units.code")),
    Column("address", Text),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, comment="the last day it receives; null while open"),
    Column("successor_code", Text, ForeignKey("units.code"), comment="the unit that took over"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", Text, nullable=False),
    CheckConstraint(
        "kind IN ('provincial_centre', 'branch', 'commune_centre', 'district_centre')", name="kind"
    ),
    CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="period"),
    CheckConstraint("successor_code IS NULL OR effective_to IS NOT NULL", name="successor_of_closed"),
)
