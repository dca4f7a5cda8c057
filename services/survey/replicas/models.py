"""What survey knows of the catalogue and of dossiers: it arrives in events and is kept to what a ballot
or a feedback item needs."""

from sqlalchemy import Column, DateTime, Table, Text, Uuid

from services.survey.models import metadata

# From catalog.agency.registered: the agencies a ballot or a feedback item may name.
agencies = Table(
    "agencies",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("sector", Text, nullable=False, comment="lĩnh vực / ngành, as satisfaction reports group it"),
    Column("registered_at", DateTime(timezone=True), nullable=False, comment="the event's time"),
)

# From dossier.received: who a dossier's ballot or feedback is about. No applicant, no personal data.
dossiers = Table(
    "dossiers",
    metadata,
    Column("code", Text, primary_key=True),
    Column("dossier_id", Uuid, nullable=False, unique=True),
    Column("agency_code", Text, nullable=False, comment="the lead agency"),
    Column("field_code", Text, nullable=False),
    Column("procedure_code", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
