"""The forms table: survey forms as data, versioned like procedures."""

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.survey.models import metadata

# A ballot answers the version in force that day.
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
