"""The invitations table: one per returned dossier."""

from sqlalchemy import Column, DateTime, Table, Text, Uuid

from services.survey.models import metadata

# From dossier.returned. The token is never stored: it is an HMAC of dossier_id (`tokens`).
# The submitting portal account is kept so no other portal account can read the token and vote.
invitations = Table(
    "invitations",
    metadata,
    Column("dossier_code", Text, primary_key=True),
    Column("dossier_id", Uuid, nullable=False, unique=True),
    Column("agency_code", Text, nullable=False, comment="the lead agency; the ballot is attributed to it"),
    Column("returned_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), comment="set by the dossier's ballot: single use"),
    Column(
        "portal_account",
        Text,
        comment="the sub of the portal account that submitted the dossier online: the only portal "
        "account that may read the invitation; null for counter and post dossiers",
    ),
)
