"""The data of intake's dossier events, as pure functions: what each carries, and what it keeps out."""

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

from services.intake import events

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
