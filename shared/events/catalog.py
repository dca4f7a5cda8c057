"""The catalogue's events: receiving units, agencies, fields and procedures from intake, the centre's
calendar from deadline. No dossier identity; the envelope's subject names the thing."""

from datetime import date, time
from typing import Annotated, Literal

from pydantic import Field, PlainSerializer, StrictBool

from shared.events.fields import Code, DecimalText, Payload, Utc
from shared.inputs import FIRST_DAY

# An agency's level: data with dates, as the two-tier local government (from 1 July 2025) has central,
# province and commune agencies; the district level is history.
AgencyLevel = Literal["central", "province", "commune", "district"]


class AgencyRegistered(Payload):
    """`catalog.agency.registered` (cơ quan giải quyết), in force from `effective_from` to `effective_to`
    (its last day, when known); a merger names the agency that took over (`successor_code`). An older
    event without the dates read as an agency in force since before any dossier."""

    code: Code
    name: str
    sector: str
    unit_code: str
    level: AgencyLevel = "district"
    effective_from: date = FIRST_DAY
    effective_to: date | None = None
    successor_code: str | None = None


class AgencyClosed(Payload):
    """`catalog.agency.closed`: the agency is in force until `effective_to` (its last day); a merger
    names the agency that took over. Procedure versions and dossiers that named it keep it."""

    code: Code
    effective_to: date
    successor_code: str | None = None


# What a receiving unit is: data, so a new kind is a new value here, not a new table. The district
# centres are history (the district level is gone from 1 July 2025).
UnitKind = Literal["provincial_centre", "branch", "commune_centre", "district_centre"]


class UnitRegistered(Payload):
    """`catalog.unit.registered` (đơn vị tiếp nhận): a centre, a branch or a commune centre; its code is
    the prefix of its dossiers' codes. `effective_to` is the last day it receives, when known."""

    code: Code
    name: str
    kind: UnitKind
    parent_code: str | None = None
    address: str | None = None
    effective_from: date
    effective_to: date | None = None
    successor_code: str | None = None


class UnitClosed(Payload):
    """`catalog.unit.closed`: the unit receives until `effective_to` (its last day); a merger names
    the unit that took over. Its dossiers keep their unit."""

    code: Code
    effective_to: date
    successor_code: str | None = None


class FieldRegistered(Payload):
    """`catalog.field.registered` (lĩnh vực)."""

    code: str
    name: str


class RouteItem(Payload):
    """One agency of a procedure's route; items sharing a `group` run at the same time."""

    agency_code: str
    days: DecimalText
    group: int | None = None


class ChecklistItem(Payload):
    """One component of a procedure's dossier (thành phần hồ sơ)."""

    code: str
    name: str
    required: bool = True
    original: bool = False
    copies: int = 1


# Office-hours times travel as "HH:MM".
ClockTime = Annotated[time, PlainSerializer(lambda at: at.strftime("%H:%M"), return_type=str)]


class ProcedureSnapshot(Payload):
    """A procedure version as events carry it (event-carried state): `catalog.procedure.published`,
    and inside `dossier.received`, so no consumer asks intake.

    `supplement_policy` is null only in `catalog.procedure.published`: a version without a policy of its
    own leaves it to the rule set of each dossier's receipt day (`shared.rule_sets`). Inside
    `dossier.received` it is always the policy that governs that dossier, resolved by intake at reception
    (`DossierReceived` refuses a null one), so routing and deadline read it as they always did. One type
    for both keeps every producer and consumer of the snapshot as it was."""

    code: str
    version: int
    effective_from: date
    national_code: str | None = None
    name: str
    field_code: str
    field_name: str
    agency_code: str
    agency_name: str
    processing_days: DecimalText
    day_kind: Literal["working", "calendar"] = "working"
    online_processing_days: DecimalText | None = None
    same_day: bool = False
    cutoff: ClockTime = time(15, 0)
    service_level: int = Field(ge=1, le=4)
    # Events sent before a policy could be left out always carried one: a missing one reads as shift.
    supplement_policy: Literal["shift", "restart"] | None = "shift"
    fee: int = 0
    fee_note: str | None = None
    route: list[RouteItem] = Field(default_factory=list)
    documents: list[ChecklistItem] = Field(default_factory=list)


class CalendarOverrideSet(Payload):
    """`catalog.calendar.override_set`: a day made a day off, or a working day, by the centre."""

    day: date
    working: StrictBool  # a JSON boolean: "yes" or 0 is no answer to "is it a working day?"
    reason: str
    set_at: Utc


class CalendarOverrideRemoved(Payload):
    """`catalog.calendar.override_removed`: the official calendar decides the day again."""

    day: date
    removed_at: Utc
