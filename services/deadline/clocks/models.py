"""Tables of what deadline heard of dossiers, and of the clocks derived from it.

Deadline knows dossiers only from events (intake's and routing's), which may come late, twice or out
of order. So it keeps the FACTS it heard (`dossiers`, `pause_marks`, the stops on `clocks`, and the
`extensions` decided, in extensions/models.py) and DERIVES every clock's state and dues from them
(rules.py): the same facts in any order give the same clocks.

The watcher (dossier.due_soon / dossier.overdue) reads `clocks` only, by two partial indexes:

* ``ix_clocks_warn``: ``(warn_at) WHERE state = 'running' AND due_soon_sent_at IS NULL`` — the clocks
  whose warning is due: ``warn_at <= now``; set ``due_soon_sent_at`` when the event is staged;
* ``ix_clocks_overdue``: ``(due_at) WHERE state = 'running' AND overdue_sent_at IS NULL`` — the clocks
  past due: ``due_at <= now``; set ``overdue_sent_at``.

Each is a range scan over open, unwarned clocks only, however many closed ones pile up. A clock that
pauses leaves both indexes (state 'paused') and comes back with its new dues on resumption; the sent
flags are never cleared, so each warning goes out once per clock (exactly once per dossier and step).
`warn_at` is precomputed whenever a due changes: ``MOTCUA_DUE_SOON_HOURS`` working hours before `due_at`.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    text,
)

from services.deadline.models import metadata

# -- what deadline heard of a dossier ------------------------------------------------------------

dossiers = Table(
    "dossiers",
    metadata,
    Column("dossier_id", Uuid, primary_key=True),
    Column("code", Text),
    Column("portal_id", Text),
    Column("lead_agency_code", Text, nullable=False),
    # From `dossier.received`; null until it arrives (a step event may come first).
    Column("lead_agency_name", Text, comment="the procedure snapshot's: form 04's heading for the lead"),
    Column("received_at", DateTime(timezone=True)),
    Column("clock_started_at", DateTime(timezone=True)),
    Column("original_due_at", DateTime(timezone=True), comment="the due intake promised on the receipt"),
    Column("channel", Text),
    Column("procedure_code", Text),
    Column("procedure_version", Integer),
    Column("procedure_name", Text),
    Column("applicant_name", Text, comment="form 04's addressee: personal data, never logged"),
    Column("full_days", Numeric(8, 2), comment="the dossier's processing days (online time if online)"),
    Column("day_kind", Text),
    Column("same_day", Boolean),
    Column("cutoff", Time),
    Column("supplement_policy", Text, comment="shift | restart, the procedure's"),
    Column("imported", Boolean, nullable=False, server_default=text("false")),
    Column("unit_code", Text, comment="the receiving unit; null: received before units, the default unit"),
    Column("return_unit_code", Text, comment="where the result is handed over; null: the receiving unit"),
    # The first end heard of (resolved, rejected, stopped, withdrawn, returned): the earliest wins.
    Column("ended_at", DateTime(timezone=True)),
    Column("end_reason", Text),
    Column("version", Integer, nullable=False, server_default=text("0"), comment="sequence of our events"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)
Index("ix_dossiers_code", dossiers.c.code)

# -- the clocks ----------------------------------------------------------------------------------

clocks = Table(
    "clocks",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("scope", Text, nullable=False, comment="dossier | step"),
    Column("dossier_id", Uuid, nullable=False),
    Column("step_id", Uuid, comment="the route step (routing's id); null for the dossier's clock"),
    # Identity copied here so the watcher builds its events from this row alone.
    Column("code", Text),
    Column("portal_id", Text),
    Column("lead_agency_code", Text, nullable=False),
    Column("agency_code", Text, nullable=False, comment="responsible: the step's agency, or the lead"),
    Column("position", Integer, comment="the step's position on the route"),
    Column("days", Numeric(8, 2), comment="the step's budget, counted afresh on a restart"),
    Column("started_at", DateTime(timezone=True), comment="clock start at receipt / step assignment"),
    Column("original_due_at", DateTime(timezone=True), comment="never overwritten"),
    Column("due_at", DateTime(timezone=True), comment="moved by pauses only: lateness is judged by it"),
    Column("extended_due_at", DateTime(timezone=True), comment="after a granted extension"),
    Column("warn_at", DateTime(timezone=True), comment="MOTCUA_DUE_SOON_HOURS working hours before due_at"),
    Column("state", Text, nullable=False, server_default=text("'pending'")),
    Column("paused_at", DateTime(timezone=True), comment="start of the pause under way"),
    Column("paused_minutes", Integer, nullable=False, server_default=text("0")),
    Column("stopped_at", DateTime(timezone=True), comment="derived: its own end, or the dossier's"),
    Column("stop_reason", Text),
    # Facts, kept apart from the derived state so that no derivation ever overwrites what was heard.
    Column("step_ended_at", DateTime(timezone=True), comment="the step's own end as heard"),
    Column("step_end_reason", Text, comment="completed | rejected | stopped"),
    Column("imported", Boolean, nullable=False, server_default=text("false")),
    Column("due_soon_sent_at", DateTime(timezone=True)),
    Column("overdue_sent_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint("scope IN ('dossier', 'step')", name="scope"),
    CheckConstraint("(scope = 'step') = (step_id IS NOT NULL)", name="step_id"),
    CheckConstraint("state IN ('pending', 'running', 'paused', 'stopped')", name="state"),
)
Index("uq_clocks_dossier", clocks.c.dossier_id, unique=True, postgresql_where=clocks.c.scope == "dossier")
Index("uq_clocks_step", clocks.c.step_id, unique=True, postgresql_where=clocks.c.scope == "step")
Index("ix_clocks_dossier_id", clocks.c.dossier_id)
Index(
    "ix_clocks_warn",
    clocks.c.warn_at,
    postgresql_where=(clocks.c.state == "running") & clocks.c.due_soon_sent_at.is_(None),
)
Index(
    "ix_clocks_overdue",
    clocks.c.due_at,
    postgresql_where=(clocks.c.state == "running") & clocks.c.overdue_sent_at.is_(None),
)
# Reminder lists: an agency's running clocks in due order. (The centre's list of all agencies has no
# index of its own: one on running clocks by due competes with ix_clocks_overdue for the watcher's scan.)
Index(
    "ix_clocks_running_agency_due",
    clocks.c.agency_code,
    clocks.c.due_at,
    clocks.c.id,
    postgresql_where=clocks.c.state == "running",
)

# A step's pauses and resumptions as heard; pairs are made in time order when clocks are derived, so
# a resumption heard before its pause still closes it. Routing stages `supplement_requested` and
# `step.paused` for one pause at the same instant: the unique key keeps one mark.
pause_marks = Table(
    "pause_marks",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("dossier_id", Uuid, nullable=False),
    Column("step_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False, comment="pause | resume"),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, comment="supplement | financial_obligation"),
    Column("policy", Text, comment="on a resumption: the policy routing applied"),
    CheckConstraint("kind IN ('pause', 'resume')", name="kind"),
    UniqueConstraint("step_id", "kind", "at", name="uq_pause_marks_mark"),
)
Index("ix_pause_marks_dossier_id", pause_marks.c.dossier_id)

# The new appointments announced (`dossier.appointment_changed`): one row per resumption of a dossier's
# clock that moved its due, holding the due last announced for it, so deriving the same facts again
# announces nothing (clocks/appointments.py).
appointments = Table(
    "appointments",
    metadata,
    Column("dossier_id", Uuid, primary_key=True),
    Column("resumed_at", DateTime(timezone=True), primary_key=True, comment="the end of the dossier's pause"),
    Column("paused_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False, comment="supplement | obligation"),
    Column("due_at", DateTime(timezone=True), nullable=False, comment="the due last announced for it"),
    Column("event_id", Uuid, nullable=False, comment="the last dossier.appointment_changed staged for it"),
    Column("announced_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("reason IN ('supplement', 'obligation')", name="reason"),
)
