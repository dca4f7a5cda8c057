"""Tables of the processing read model (the processing and service-level reports; `arithmetic.py`
explains the design), in schema `reporting`:

* ``dossier_facts``: one row per dossier, every column set by the event that owns it (never by
  arrival order), so late and repeated events give the same row.
* ``report_cells``: one row per (procedure, field, lead agency, receiving unit) a dossier was received
  under, with the names the reports show (a unit's name is in ``units``).
* ``report_tree``: per cell, the per-day counters of `arithmetic.SERIES` kept as a Fenwick tree over
  days (node = 1-based day index since `arithmetic.EPOCH`), so any prefix sum is at most 15 rows a cell.
* ``report_unit_tree``: the same tree summed per receiving unit (the cells' ``unit_code``), for
  `arithmetic.ROW_SERIES` only, written in the same transaction as ``report_tree``: a report by unit
  reads at most 15 rows a unit instead of 15 a cell (issue #15).
"""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import DATEMULTIRANGE, JSONB

from services.reporting.models import metadata

_TZ = DateTime(timezone=True)


def _flag(name: str) -> Column[bool]:
    return Column(name, Boolean, nullable=False, server_default=text("false"))


def _count(name: str) -> Column[int]:
    return Column(name, Integer, nullable=False, server_default=text("0"))


dossier_facts = Table(
    "dossier_facts",
    metadata,
    Column("dossier_id", Uuid, primary_key=True),
    Column("code", Text),
    # From `dossier.received` (the procedure snapshot): null until it is heard.
    Column("cell_id", Integer, comment="report_cells row the dossier counts in"),
    Column("procedure_code", Text),
    Column("procedure_name", Text),
    Column("field_code", Text),
    Column("field_name", Text),
    Column("agency_code", Text, comment="the lead agency"),
    Column("agency_name", Text),
    Column("unit_code", Text, comment="the receiving unit; null in rows stored before units were kept"),
    Column("channel", Text, comment="direct, post or online"),
    Column("service_level", SmallInteger, comment="online service level 1-4"),
    Column("regulated_tenths", Integer, comment="the procedure's processing time for it, tenths of a day"),
    Column("day_kind", Text, comment="working or calendar: the kind of days of regulated_tenths"),
    Column(
        "received_across_boundary",
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="received at a unit other than the lead agency's (dossier.received)",
    ),
    Column("received_at", _TZ),
    Column("received_date", Date, comment="dates are calendar dates in Vietnam"),
    Column(
        "due_date",
        Date,
        comment="the due reports judge by: the latest appointment's, else the original due",
    ),
    Column("original_due_date", Date, comment="the receipt's due (dossier.received; else dossier.resolved)"),
    Column(
        "appointment_resumed_at",
        _TZ,
        comment="the latest legitimate pause's end (dossier.appointment_changed); due_date is its due",
    ),
    # Each from its own event; the earliest heard wins.
    Column("resolved_date", Date),
    Column("withdrawn_date", Date),
    Column("rejected_date", Date, comment="dossier.rejected or dossier.stopped"),
    Column("returned_date", Date),
    _flag("apology"),
    Column(
        "apology_timely",
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="an apology letter was sent in time (dossier.apology_issued timely)",
    ),
    _flag("imported"),
    _flag("supplement_waiting"),
    _flag("digitized"),
    _count("documents_digitized"),
    _count("documents_reused"),
    Column(
        "marks",
        JSONB,
        nullable=False,
        server_default=text("'{}'::jsonb"),
        comment="supplement pauses and resumptions, fee payments: {pauses, resumes, supplied, payments}",
    ),
    Column(
        "waiting",
        DATEMULTIRANGE,
        nullable=False,
        server_default=text("'{}'::datemultirange"),
        comment="the days at whose end the dossier waited for a supplement (derived from marks)",
    ),
    Index("ix_dossier_facts_received_date", "received_date"),
    # A ballot's dossier (by its code): satisfaction and indicators by the unit where it was received.
    Index("ix_dossier_facts_code", "code"),
    # The delay report's dossiers: resolved late in a period (a fraction of all, so the index is small).
    Index(
        "ix_dossier_facts_resolved_late",
        "resolved_date",
        postgresql_where=text("resolved_date > due_date"),
        postgresql_include=["dossier_id"],
    ),
)
report_cells = Table(
    "report_cells",
    metadata,
    Column("cell_id", Integer, Identity(), primary_key=True),
    Column("procedure_code", Text, nullable=False),
    Column("field_code", Text, nullable=False),
    Column("agency_code", Text, nullable=False),
    Column(
        "unit_code",
        Text,
        nullable=False,
        server_default=text("''"),
        comment="the receiving unit; '' (unknown) in cells made before units were kept",
    ),
    Column("procedure_name", Text, nullable=False),
    Column("field_name", Text, nullable=False),
    Column("agency_name", Text, nullable=False),
    Column("named_at", _TZ, nullable=False, comment="receipt time of the dossier the names came from"),
    UniqueConstraint("procedure_code", "field_code", "agency_code", "unit_code", name="uq_report_cells_key"),
)

# The counters of arithmetic.SERIES, one column each (a test holds the two lists together).
TREE_SERIES = (
    "received",
    "received_online",
    "received_counter",
    "digitized",
    "documents_digitized",
    "documents_reused",
    "received_across_boundary",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "late_with_apology",
    "late_with_timely_apology",  # with a letter sent in time (migration reporting_0011)
    "withdrawn",
    "rejected",
    "pending_overdue",
    # Decision 766's indicators: receipts of procedures offered online, fee payments (reporting_0013).
    "full_online_received",
    "full_online_received_online",
    "partial_online_received",
    "partial_online_received_online",
    "fees_paid",
    "fees_paid_online",
    # Per service bucket fixed at receipt (the receipt day's scheme and the level under it), its
    # dossiers' receipts and results (the service-level report; migration reporting_0010).
    *(
        f"{scheme}_{key}_{kind}"
        for scheme, keys in (
            ("levels", ("1", "2", "3", "4")),
            ("classes", ("full_online", "partial_online", "other")),
        )
        for key in keys
        for kind in ("received", "early", "on_time", "late", "open", "overdue")
    ),
    # The processing time of the dossiers resolved, in tenths of a day (reporting_0013).
    "resolved_timed",
    "regulated_tenths",
    "elapsed_tenths",
)

report_tree = Table(
    "report_tree",
    metadata,
    Column("node", Integer, primary_key=True, comment="Fenwick node: 1-based day index since the epoch"),
    Column("cell_id", Integer, primary_key=True),
    # int4: sum() over int4 accumulates in int8, far faster than over int8 (numeric).
    *(Column(name, Integer, nullable=False, server_default=text("0")) for name in TREE_SERIES),
)

# `report_tree` summed per receiving unit, the processing report's and the indicators' series only
# (`arithmetic.UNIT_SERIES`, the first of TREE_SERIES; a test holds them together): what a report by
# unit reads (`Store.group_sql`). Kept in step by `Store.add_to_tree` and by the rebuild's settle.
UNIT_TREE_SERIES = TREE_SERIES[:21]

report_unit_tree = Table(
    "report_unit_tree",
    metadata,
    Column("node", Integer, primary_key=True, comment="Fenwick node: 1-based day index since the epoch"),
    Column("unit_code", Text, primary_key=True, comment="the receiving unit (report_cells.unit_code)"),
    *(Column(name, Integer, nullable=False, server_default=text("0")) for name in UNIT_TREE_SERIES),
)

# Each name a procedure, field or lead agency was received under, with the first and last receipt
# under it: a report over a period names each as it was then (`names.name_on`), not as it is today.
# Spans only grow (LEAST / GREATEST), so events in any order and any number of times give the same row.
name_spans = Table(
    "name_spans",
    metadata,
    Column("kind", Text, primary_key=True, comment="procedure, field or agency"),
    Column("code", Text, primary_key=True),
    Column("name", Text, primary_key=True),
    Column("first_at", _TZ, nullable=False, comment="the earliest receipt under this name"),
    Column("last_at", _TZ, nullable=False, comment="the latest receipt under this name"),
)

# The processing read model's tables, emptied and refilled by a rebuild.
PROCESSING_TABLES = (dossier_facts, report_cells, report_tree, report_unit_tree, name_spans)
