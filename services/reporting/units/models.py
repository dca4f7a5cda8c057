"""Tables of the units read model: the receiving units and the agencies' levels and successors, from
intake's catalogue events (`catalog.unit.registered`, `catalog.unit.closed`,
`catalog.agency.registered`, `catalog.agency.closed`).

Each column is owned by one kind of event and the latest by the event's time wins, so the events of a
unit in any order and any number of times give the same row (a closing heard before the registration
waits in its own columns).
"""

from sqlalchemy import Column, Date, DateTime, Index, Table, Text

from services.reporting.models import metadata

_TZ = DateTime(timezone=True)

# đơn vị tiếp nhận: a provincial centre, its branches, the commune centres.
units = Table(
    "units",
    metadata,
    Column("code", Text, primary_key=True, comment="the prefix of its dossiers' codes"),
    # catalog.unit.registered: null until it is heard
    Column("name", Text),
    Column("kind", Text, comment="provincial_centre, branch, commune_centre or district_centre"),
    Column("parent_code", Text, comment="the unit above it: the hierarchy a report's unit= filter follows"),
    Column("effective_from", Date),
    Column("effective_to", Date, comment="as registered"),
    Column("successor_code", Text, comment="as registered"),
    Column("registered_at", _TZ, comment="the registration event's time: the latest wins"),
    # catalog.unit.closed
    Column("closed_to", Date, comment="the last day it receives, as closed"),
    Column("closed_successor_code", Text, comment="the unit that took over, as closed"),
    Column("closed_at", _TZ, comment="the closing event's time: the latest wins"),
    Index("ix_units_parent_code", "parent_code"),
)

# From catalog.agency.registered and catalog.agency.closed: each agency's level (central, province,
# commune or district), unit, and when and into whom it merged (the reports' `agencies=successors`).
# As for units, each event owns its columns: a closing heard before the registration waits in its own.
agency_levels = Table(
    "agency_levels",
    metadata,
    Column("code", Text, primary_key=True),
    # catalog.agency.registered: null until it is heard
    Column("level", Text),
    Column("unit_code", Text),
    Column("effective_to", Date, comment="its last day in force, as registered"),
    Column("successor_code", Text, comment="the agency that took over, as registered"),
    Column("registered_at", _TZ, comment="the event's time: the latest wins"),
    # catalog.agency.closed
    Column("closed_to", Date, comment="its last day in force, as closed"),
    Column("closed_successor_code", Text, comment="the agency that took over, as closed"),
    Column("closed_at", _TZ, comment="the closing event's time: the latest wins"),
)

UNITS_TABLES = (units, agency_levels)
