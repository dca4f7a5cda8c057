"""The data of intake's dossier events, as pure functions: what each carries, and what it keeps out."""

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake import events
from services.intake.catalogue.snapshot import procedure_snapshot, received_snapshot
from shared.events.dossier import DossierReceived
from shared.rule_sets import RuleSet, rule_set

IDENTITY = events.identity(dossier_id=uuid.uuid4(), code="X-210618-0001", portal_id=None, agency_code="VPDK")
AT = datetime(2021, 6, 30, 3, 0, tzinfo=UTC)


def test_dossier_returned_names_the_portal_account_that_submitted_it_online_for_survey() -> None:
    online = SimpleNamespace(channel="online", created_by="citizen-a")
    data = events.returned(
        identity=IDENTITY,
        returned_at=AT,
        delivery_channel="electronic",
        imported=False,
        portal_account=events.portal_account_of(online),
    ).data()
    assert data["portal_account"] == "citizen-a"
    assert data["returned_at"] == "2021-06-30T03:00:00+00:00"


def test_a_dossier_handed_in_at_the_counter_or_imported_names_no_portal_account() -> None:
    # At the counter `created_by` is the receptionist: no portal account may read the invitation.
    for channel in ("direct", "post"):
        assert events.portal_account_of(SimpleNamespace(channel=channel, created_by="reception-1")) is None
    imported = events.returned(
        identity=IDENTITY, returned_at=AT, delivery_channel="counter", imported=True
    ).data()
    assert imported["portal_account"] is None


def _version(policy: str | None) -> SimpleNamespace:
    """A procedure version's row as the catalogue stores it."""
    return SimpleNamespace(
        code="DD-01",
        version=1,
        effective_from=date(2021, 1, 1),
        national_code=None,
        name="Đăng ký biến động đất đai",
        field_code="DAT_DAI",
        field_name="Đất đai",
        agency_code="VPDK",
        agency_name="Chi nhánh Văn phòng đăng ký đất đai",
        processing_days=Decimal(10),
        day_kind="working",
        online_processing_days=None,
        same_day=False,
        cutoff=time(15, 0),
        service_level=3,
        supplement_policy=policy,
        fee=0,
        fee_note=None,
        route=[],
        documents=[],
    )


def _restarting(code: str) -> RuleSet:
    return rule_set(code).model_copy(update={"supplement_policy": "restart"})


def test_the_catalogue_copy_keeps_a_null_policy_and_the_received_copy_resolves_it() -> None:
    version = _version(None)
    assert procedure_snapshot(version).data()["supplement_policy"] is None
    assert received_snapshot(version, rule_set("nd61-2018")).supplement_policy == "shift"
    assert received_snapshot(version, _restarting("nd118-2025")).supplement_policy == "restart"
    assert received_snapshot(_version("shift"), _restarting("nd118-2025")).supplement_policy == "shift"


def _received(procedure: Any, **changes: Any) -> dict[str, Any]:
    return {
        **IDENTITY.data(),
        "procedure": procedure,
        "channel": "direct",
        "service_level": 3,
        "unit_code": "X",
        "received_at": AT,
        "clock_started_at": AT,
        "due_at": AT,
        "applicant": {"kind": "person", "name": "A"},
        **changes,
    }


def test_dossier_received_refuses_a_procedure_whose_policy_is_not_resolved() -> None:
    unresolved = procedure_snapshot(_version(None)).data()
    with pytest.raises(ValidationError, match="resolved supplement_policy"):
        DossierReceived.model_validate(_received(unresolved))
    # An event sent before `rule_set` existed still reads.
    older = DossierReceived.model_validate(_received({**unresolved, "supplement_policy": "shift"}))
    assert older.rule_set is None
