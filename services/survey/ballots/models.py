"""The ballots table (phiếu đánh giá)."""

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB

from services.survey.models import metadata

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
