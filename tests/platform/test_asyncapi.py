"""The AsyncAPI document (docs/asyncapi.yaml) says what the services do, since agencies generate their
code from it: an event built by its service's own builder, in the envelope the outbox writes, is valid
under its message's schema; every event type a service emits has its message and a send operation;
every durable consumer has its receive operation on its stream's channel, naming the events it handles.
(tests/platform/test_event_payloads.py holds each message's fields to the payload types.)"""

import importlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import pytest
from jsonschema import Draft7Validator, FormatChecker
from sqlalchemy import MetaData

from services.deadline import events as deadline_events
from services.intake import events as intake_events
from services.intake.appointment.rules import Moved, Pause
from services.intake.catalogue.snapshot import procedure_snapshot, received_snapshot
from services.intake.importing.rows import Accepted, event_records
from services.intake.importing.schemas import ImportLine
from services.routing import events as routing_events
from services.survey import events as survey_events
from shared.calendar import DueResult
from shared.clock import FixedClock
from shared.events.catalog import AgencyClosed, AgencyRegistered, FieldRegistered, UnitClosed, UnitRegistered
from shared.events.fields import Payload
from shared.events.registry import PAYLOADS
from shared.events.steps import SupplementItem
from shared.messaging.envelope import event_type
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import STREAMS
from shared.messaging.tables import messaging_tables
from shared.rule_sets import rule_set_on
from shared.services import SERVICES
from tests.platform.asyncapi_document import DOCUMENT, follow

# The document's message keys (`Received`) by the event type each carries (`vn.motcua.dossier.received.v1`).
MESSAGE_KEYS = {message["name"]: key for key, message in DOCUMENT["components"]["messages"].items()}

# The formats jsonschema checks without extra packages (uuid, date, …), and date-time, which it checks
# only with one: an instant as we send it, ISO 8601 with its offset.
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)  # type: ignore[untyped-decorator]  # jsonschema has no types
def _instant(value: object) -> bool:
    return not isinstance(value, str) or ("T" in value and datetime.fromisoformat(value).tzinfo is not None)


AT = datetime(2021, 6, 18, 1, 30, tzinfo=UTC)
DUE = AT + timedelta(days=10)
DAY = date(2021, 6, 18)
UNIT = "000.00.01.H57"
DOSSIER = SimpleNamespace(  # a dossier as the services' rows hold it: intake's, routing's plan, deadline's
    dossier_id=uuid4(),
    code=f"{UNIT}-210618-0001",
    portal_id=None,
    lead_agency_code="VPDK",
    original_due_at=DUE,
)
STEP = SimpleNamespace(  # a routing step row, and deadline's clock of it
    id=uuid4(),
    position=2,
    group_no=2,
    agency_code="THUE",
    from_agency_code="VPDK",
    days=Decimal("2.5"),
    assigned_at=AT,
    due_at=DUE,
)
CLOCK = SimpleNamespace(**vars(DOSSIER), scope="step", step_id=STEP.id, agency_code="THUE", due_at=DUE)
PROCEDURE = SimpleNamespace(  # a procedure version as intake's catalogue reads it
    code="DD-01",
    version=1,
    effective_from=date(2021, 1, 1),
    national_code="1.004227",
    name="Đăng ký biến động đất đai",
    field_code="DAT_DAI",
    field_name="Đất đai",
    agency_code="VPDK",
    agency_name="Chi nhánh Văn phòng đăng ký đất đai",
    agency_unit_code=UNIT,
    processing_days=Decimal("10"),
    day_kind="working",
    online_processing_days=Decimal("8.5"),
    same_day=False,
    cutoff=time(15, 0),
    service_level=3,
    supplement_policy=None,  # left to the rule set of each dossier's receipt day
    fee=0,
    fee_note=None,
    route=[{"agency_code": "THUE", "days": Decimal("3"), "group": None}],
    documents=[{"code": "TK", "name": "Tờ khai", "required": True, "original": True, "copies": 1}],
)


def _intake() -> dict[str, Payload]:
    """Intake's events as reception and the catalogue build them (the catalogue's straight from their
    payload types)."""
    identity = intake_events.identity(
        dossier_id=DOSSIER.dossier_id, code=DOSSIER.code, portal_id="portal-42", agency_code="VPDK"
    )
    rule_set = rule_set_on(AT)
    return {
        "catalog.unit.registered": UnitRegistered(
            code=UNIT,
            name="Trung tâm Phục vụ hành chính công tỉnh",
            kind="provincial_centre",
            effective_from=DAY,
        ),
        "catalog.unit.closed": UnitClosed(code=UNIT, effective_to=DAY, successor_code="000.00.02.H57"),
        "catalog.agency.registered": AgencyRegistered(
            code="VPDK", name="Chi nhánh Văn phòng đăng ký đất đai", sector="Đất đai", unit_code=UNIT
        ),
        "catalog.agency.closed": AgencyClosed(code="VPDK", effective_to=DAY),
        "catalog.field.registered": FieldRegistered(code="DAT_DAI", name="Đất đai"),
        "catalog.procedure.published": procedure_snapshot(PROCEDURE),
        "dossier.received": intake_events.received(
            identity=identity,
            procedure=received_snapshot(PROCEDURE, rule_set),
            channel="online",
            service_level=3,
            unit_code=UNIT,
            received_at=AT,
            clock_started_at=AT,
            due_at=DUE,
            applicant_kind="person",
            applicant_name="Nguyễn Văn A",
            documents=["TK"],
            imported=False,
            rule_set=rule_set.code,
        ),
        "dossier.digitized": intake_events.digitized(
            identity=identity, documents=1, pages=3, reused=0, digitized_at=AT
        ),
        "dossier.withdrawn": intake_events.withdrawn(identity=identity, withdrawn_at=AT, imported=False),
        "dossier.returned": intake_events.returned(
            identity=identity,
            returned_at=AT,
            delivery_channel="electronic",
            imported=False,
            portal_account="42",
        ),
        "dossier.supplement_received": intake_events.supplement_received(
            identity=identity, documents=["TK"], received_at=AT, note=None, imported=False
        ),
    }


def _routing() -> dict[str, Payload]:
    identity = routing_events.identity(DOSSIER)
    about: dict[str, Any] = {"identity": identity, "step": STEP}
    return {
        "dossier.step.assigned": routing_events.assigned(**about, transfer="paper"),
        "dossier.step.completed": routing_events.completed(
            **about, completed_at=AT, due_at=DUE, outcome="on_time", next_agency_codes=["STNMT"]
        ),
        "dossier.step.paused": routing_events.paused(**about, reason="supplement", paused_at=AT),
        "dossier.step.resumed": routing_events.resumed(
            **about, reason="financial_obligation", resumed_at=AT, due_at=DUE, policy="shift"
        ),
        "dossier.supplement_requested": routing_events.supplement_requested(
            **about,
            items=[SupplementItem(code="TK", name="Tờ khai", reason="Thiếu chữ ký")],
            requested_at=AT,
            override_reason=None,
        ),
        "dossier.resolved": routing_events.resolved(identity=identity, resolved_at=AT, due_at=DUE),
        "dossier.rejected": routing_events.rejected(**about, rejected_at=AT, reason="Không đủ điều kiện"),
        "dossier.stopped": routing_events.stopped(**about, stopped_at=AT, reason="Công dân đề nghị"),
        "dossier.extension_requested": routing_events.extension_requested(
            **about,
            requested_at=AT,
            reason="Cần xác minh",
            days=3,
            requested_by="u-7",
            requested_by_role="leader",
        ),
        "dossier.fee_paid": routing_events.fee_paid(
            **about, payment_id=uuid4(), amount=150_000, channel="online", paid_at=AT, reference=None
        ),
    }


def _deadline() -> dict[str, Payload]:
    identity = deadline_events.identity(DOSSIER)
    step = {"identity": identity, "step_id": STEP.id, "step_agency_code": "THUE"}
    letter = {
        "id": uuid4(),
        "step_id": STEP.id,
        "agency_code": "THUE",
        "reason": "Cần thêm thời gian xác minh",
        "new_return_date": DAY + timedelta(days=14),
        "due_at": DUE,
        "original_due_at": DUE,
        "signed_by_name": "Trần Thị B",
        "signed_by_title": "Chi cục trưởng",
        "issued_at": AT,
        "timely": True,
    }
    return {
        "dossier.due_soon": deadline_events.due_soon(clock=CLOCK, warned_at=AT, hours_before=8),
        "dossier.overdue": deadline_events.overdue(clock=CLOCK, overdue_at=AT),
        "dossier.appointment_changed": deadline_events.appointment_changed(
            dossier=DOSSIER, due_at=DUE, reason="supplement", paused_at=AT, resumed_at=AT + timedelta(days=2)
        ),
        "dossier.extension_granted": deadline_events.extension_granted(
            **step, reason="Cần xác minh", original_due_at=None, due_at=DUE, new_due_at=DUE, decided_at=AT
        ),
        "dossier.extension_denied": deadline_events.extension_denied(
            **step, code="after_due", text="Đề nghị gia hạn sau khi đã quá hạn", decided_at=AT
        ),
        "dossier.apology_issued": deadline_events.apology_issued(dossier=DOSSIER, letter=letter),
        "catalog.calendar.override_set": deadline_events.override_set(
            day=DAY, working=False, reason="Nghỉ bù", set_at=AT
        ),
        "catalog.calendar.override_removed": deadline_events.override_removed(day=DAY, removed_at=AT),
    }


def _survey() -> dict[str, Payload]:
    feedback = uuid4()
    return {
        survey_events.SUBMITTED: survey_events.submitted(
            ballot_id=uuid4(),
            form_code="satisfaction",
            form_version=1,
            agency_code="THUE",
            dossier_code=None,
            channel="kiosk",
            answers={"complexity": "simple", "satisfaction": "very_satisfied"},
            reason_given=False,
            submitted_at=AT,
        ),
        survey_events.FEEDBACK_RECEIVED: survey_events.feedback_received(
            {
                "id": feedback,
                "kind": "complaint",
                "topic": "Thái độ phục vụ",
                "agency_code": "THUE",
                "dossier_code": DOSSIER.code,
                "source": "citizen",
                "received_at": AT,
                "answer_due_at": DUE,
            }
        ),
        survey_events.FEEDBACK_ANSWERED: survey_events.feedback_answered(
            feedback_id=feedback, agency_code="THUE", answered_at=AT, answer_due_at=DUE, on_time=True
        ),
        survey_events.FEEDBACK_FORWARDED: survey_events.feedback_forwarded(
            feedback_id=feedback,
            from_agency_code="THUE",
            agency_code="VPDK",
            forwarded_at=AT,
            answer_due_at=DUE,
        ),
    }


# One event of every type, by the service that sends it (intake's imported ones: below).
BUILT = {"intake": _intake(), "routing": _routing(), "deadline": _deadline(), "survey": _survey()}
BY_NAME = {name: (service, payload) for service, built in BUILT.items() for name, payload in built.items()}
# `Outbox.row` only builds the envelope and the row: the table it would insert into is never touched.
OUTBOX = messaging_tables(MetaData()).outbox


def _envelope(service: str, name: str, payload: Payload) -> dict[str, Any]:
    """The event as `service`'s outbox writes it, and its relay publishes it."""
    about_dossier = name.startswith("dossier.")
    _, row = Outbox(OUTBOX, service, FixedClock(AT)).row(
        name=name,
        topic=name,  # the NATS subject it is published on, no part of the envelope
        data=payload.data(),
        subject=DOSSIER.code if about_dossier else None,
        dossier_version=3 if about_dossier else None,
    )
    envelope: dict[str, Any] = json.loads(row["payload"])
    return envelope


def _invalid(envelope: dict[str, Any]) -> list[str]:
    """Why `envelope` is not valid under its message's schema, or which attributes the document's
    envelope does not have; nothing when it is valid."""
    key = MESSAGE_KEYS[envelope["type"]]
    schema = {"$ref": f"#/components/messages/{key}/payload", "components": DOCUMENT["components"]}
    errors = Draft7Validator(schema, format_checker=FORMATS).iter_errors(envelope)
    documented = DOCUMENT["components"]["schemas"]["CloudEvent"]["properties"]
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors] + [
        f"{attribute}: not in the document's envelope"
        for attribute in envelope
        if attribute not in documented
    ]


def _emitted() -> set[str]:
    """Every event type any service emits: the payload registry, and the services' own catalogues."""
    survey = {
        survey_events.SUBMITTED,
        survey_events.FEEDBACK_RECEIVED,
        survey_events.FEEDBACK_ANSWERED,
        survey_events.FEEDBACK_FORWARDED,
    }
    return set(PAYLOADS) | set(routing_events.EMITTED) | set(deadline_events.EMITTED) | survey


def _named(operation: dict[str, Any]) -> set[str]:
    """The event types of an operation's messages."""
    return {follow(message)["name"] for message in operation["messages"]}


def test_every_event_type_emitted_has_a_payload_type_a_message_and_a_send_operation() -> None:
    emitted = _emitted()
    sent = set().union(*(_named(op) for op in DOCUMENT["operations"].values() if op["action"] == "send"))
    assert sorted(emitted - set(PAYLOADS)) == []
    assert sorted(name for name in emitted if event_type(name) not in MESSAGE_KEYS) == []
    assert sorted(name for name in emitted if event_type(name) not in sent) == []


def test_every_event_type_is_built_here_by_its_service() -> None:
    assert sorted(set(PAYLOADS) - set(BY_NAME)) == []
    assert [name for name, (_, payload) in BY_NAME.items() if type(payload) is not PAYLOADS[name]] == []


def test_the_documents_schemas_are_json_schemas() -> None:
    for schema in DOCUMENT["components"]["schemas"].values():
        Draft7Validator.check_schema(schema)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_an_event_built_by_its_service_is_valid_under_its_message(name: str) -> None:
    service, payload = BY_NAME[name]
    assert _invalid(_envelope(service, name, payload)) == []


def test_the_events_an_import_writes_are_valid_under_their_messages() -> None:
    """The historical import writes its envelopes without the outbox (rows.event_records)."""
    line = ImportLine.model_validate_json(
        json.dumps(
            {
                "procedure_code": "DD-01",
                "external_code": "old-1",
                "applicant": {"name": "Nguyễn Văn A"},
                "received_at": "2021-06-18T08:30:00+07:00",
                "resolved_at": "2021-07-01T16:00:00+07:00",
                "returned_at": "2021-07-02T09:00:00+07:00",
            }
        )
    )
    rule_set = rule_set_on(line.received_at)
    item = Accepted(
        number=1,
        line=line,
        day=DAY,
        procedure=PROCEDURE,
        due=DueResult(due=DUE, clock_start=AT, skipped=[]),
        code=DOSSIER.code,
        unit=UNIT,
        rule_set=rule_set.code,
        dossier_id=DOSSIER.dossier_id,
        moved=[Moved(due_at=DUE + timedelta(days=2), pause=Pause("supplement", AT, AT + timedelta(days=2)))],
    )
    ids: Iterator[UUID] = iter(uuid4, None)
    records = event_records(
        item, unit_code=UNIT, snapshot=received_snapshot(PROCEDURE, rule_set), now=AT, ids=ids
    )
    envelopes = [json.loads(payload) for _id, _type, _topic, payload in records]
    assert [e["type"].split(".")[3] for e in envelopes] == [
        "received",
        "appointment_changed",
        "resolved",
        "returned",
    ]
    assert {e["type"]: _invalid(e) for e in envelopes} == {e["type"]: [] for e in envelopes}


def test_every_durable_consumer_has_a_receive_operation_on_its_stream_naming_what_it_handles() -> None:
    """The consumers are those each service's app subscribes (its `Subscription`s, one durable each);
    a receive operation names its durable consumer in `x-durable`."""
    apps = {service: importlib.import_module(f"services.{service}.app").create_app() for service in SERVICES}
    consumers = {
        subscription.durable(service): subscription
        for service, app in apps.items()
        for subscription in app.state.spec.subscriptions
    }
    receiving = {op["x-durable"]: op for op in DOCUMENT["operations"].values() if op["action"] == "receive"}
    assert sorted(receiving) == sorted(consumers)
    streams = {spec.name: spec.subjects[0].split(".")[0] for spec in STREAMS}
    for durable, subscription in consumers.items():
        operation = receiving[durable]
        assert follow(operation["channel"])["address"].split(".")[0] == streams[subscription.stream], durable
        assert _named(operation) == set(subscription.handlers), durable
        assert durable in operation["summary"], "the summary names the durable consumer for people"
