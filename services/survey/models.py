"""Tables of the survey service, all in schema `survey`.

Ballots and invitations here; feedback and the audit log in `feedback_models.py`. What survey knows of
the catalogue and of dossiers (agencies, dossiers) arrives in events and is kept to what a ballot or a
feedback item needs.
"""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("survey")
messaging = messaging_tables(metadata)

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

# From dossier.returned. The token is never stored: it is an HMAC of dossier_id (invitations.token).
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

# Survey forms as data, versioned like procedures: a ballot answers the version in force that day.
forms = Table(
    "forms",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("code", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("title", Text, nullable=False),
    Column(
        "questions",
        JSONB,
        nullable=False,
        comment="[{code, label, required, options: [{code, label, requires_reason}]}]",
    ),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", Text, nullable=False),
    UniqueConstraint("code", "version", name="uq_forms_code_version"),
)
Index("ix_forms_code_effective_from", forms.c.code, forms.c.effective_from)

# One row per ballot; no IP, no device id, no caller: an anonymous kiosk ballot names only an agency.
# No foreign keys to forms or agencies on purpose: every ballot would key-share-lock the same form row
# (multixacts under load); the service checks both before inserting.
ballots = Table(
    "ballots",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("form_id", BigInteger, nullable=False, comment="the form version answered"),
    Column("agency_code", Text, nullable=False),
    Column("dossier_code", Text, comment="null: anonymous at a kiosk"),
    Column("channel", Text, nullable=False),
    Column("answers", JSONB, nullable=False, comment="{question code: option code}"),
    Column("reason", Text, comment="why not satisfied; required where the option asks for one"),
    Column("comment", Text),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    # One ballot per dossier (NULLs, the anonymous ballots, are distinct).
    UniqueConstraint("dossier_code", name="uq_ballots_dossier_code"),
    CheckConstraint("channel IN ('portal', 'kiosk', 'counter')", name="channel"),
)
