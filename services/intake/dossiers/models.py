"""Tables of a dossier: its applicant, itself, its public timeline, and the counter behind its code."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.intake.models import metadata

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
    Column("unit_code", Text, nullable=False),  # the receiving unit, the prefix of its code
    Column("return_unit_code", Text, comment="where the citizen takes the result; null: the receiving unit"),
    Column(
        "received_across_boundary",
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="received at a unit other than the lead agency's",
    ),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True)),
    Column(
        "rule_set",
        Text,
        comment="the rule set of its receipt day (shared.rule_sets), set with received_at; "
        "null: not received (yet)",
    ),
    Column("clock_started_at", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True)),
    Column(
        "appointment_at",
        DateTime(timezone=True),
        comment="the appointment a pause moved (dossier.appointment_changed); null: due_at stands",
    ),
    Column("appointment_reason", Text, comment="supplement | obligation: the pause that last moved it"),
    Column("appointment_paused_at", DateTime(timezone=True)),
    Column(
        "appointment_resumed_at",
        DateTime(timezone=True),
        comment="the resumption it is from: a later one wins, whatever order the events came in",
    ),
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
