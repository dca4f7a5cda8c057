"""Tables of the satisfaction read model: ballots, feedback items, step outcomes and agency names.

Built only from events (survey's `survey.*`, routing's `dossier.*.step.completed`, intake's
`catalog.agency.registered`), keyed by the ids the events carry, so a repeated event changes nothing
and a late one fills in only the columns it owns. Dates (`*_on`) are calendar dates in Vietnam: every
report compares by date, never by instant. Nothing here names a citizen.
"""

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, Table, Text, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB

from services.reporting.models import metadata

_TZ = DateTime(timezone=True)

# From `survey.submitted` (phiếu đánh giá): one row per ballot, never changed once written.
ballots = Table(
    "ballots",
    metadata,
    Column("ballot_id", Uuid, primary_key=True),
    Column("agency_code", Text, nullable=False, comment="the agency rated"),
    Column("dossier_code", Text, comment="null: anonymous at a kiosk"),
    Column("channel", Text, nullable=False, comment="portal, kiosk or counter"),
    Column("form_code", Text, nullable=False),
    Column("form_version", Integer, nullable=False),
    Column("answers", JSONB, nullable=False, comment="{question code: option code}"),
    Column("reason_given", Boolean, nullable=False),
    Column("submitted_at", _TZ, nullable=False),
    Column("submitted_on", Date, nullable=False, comment="date in Vietnam"),
    Index("ix_ballots_submitted_on_agency_code", "submitted_on", "agency_code"),
)

# From `survey.feedback_received` / `_forwarded` / `_answered` (phản ánh, kiến nghị): each event owns
# its own columns, so the three may arrive in any order and as often as they like.
feedback_items = Table(
    "feedback_items",
    metadata,
    Column("feedback_id", Uuid, primary_key=True),
    # feedback_received
    Column("kind", Text, comment="feedback, petition or complaint"),
    Column("topic", Text),
    Column("source", Text, comment="citizen, or ballot (opened by an unsatisfied ballot)"),
    Column("dossier_code", Text),
    Column("received_agency_code", Text, comment="the agency it was first addressed to"),
    Column("received_at", _TZ),
    Column("received_on", Date, comment="date in Vietnam; null until the receipt is heard"),
    # any of the three (a forward never changes it)
    Column("answer_due_at", _TZ),
    Column("answer_due_on", Date),
    # feedback_forwarded: the latest forward by its time
    Column("forwarded_agency_code", Text),
    Column("forwarded_at", _TZ),
    # feedback_answered
    Column("answered_agency_code", Text),
    Column("answered_at", _TZ),
    Column("answered_on", Date),
    Column("answered_on_time", Boolean, comment="as the survey service judged it, by date in Vietnam"),
    Index("ix_feedback_items_received_on", "received_on"),
)

# From `dossier.step.completed`: one row per step, with the outcome routing judged by date in Vietnam.
step_outcomes = Table(
    "step_outcomes",
    metadata,
    Column("step_id", Uuid, primary_key=True),
    Column("dossier_id", Uuid, nullable=False),
    Column("dossier_code", Text, nullable=False),
    Column("lead_agency_code", Text, nullable=False),
    Column("step_agency_code", Text, nullable=False),
    Column("position", Integer, nullable=False, comment="1-based on the route"),
    Column("group_no", Integer, nullable=False),
    Column("completed_at", _TZ, nullable=False),
    Column("completed_on", Date, nullable=False),
    Column("due_at", _TZ, nullable=False, comment="the due the outcome is judged by"),
    Column("due_on", Date, nullable=False),
    Column("outcome", Text, nullable=False, comment="early, on_time or late"),
    Index("ix_step_outcomes_dossier_id", "dossier_id"),
    # The delay report: a late dossier's late steps, read from the index alone.
    Index(
        "ix_step_outcomes_late",
        "dossier_id",
        postgresql_where=text("outcome = 'late'"),
        postgresql_include=["step_agency_code", "position", "completed_at"],
    ),
)

# From `catalog.agency.registered`: the names report rows show; a later registration updates them.
agency_names = Table(
    "agency_names",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("sector", Text, nullable=False),
    Column("registered_at", _TZ, nullable=False, comment="the event's time: the latest wins"),
)

# The satisfaction read model's tables, emptied and refilled by a rebuild.
SATISFACTION_TABLES = (ballots, feedback_items, step_outcomes, agency_names)
