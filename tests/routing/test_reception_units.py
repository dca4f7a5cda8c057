"""Reception reads a plan and its control slip only for a dossier received or to be returned at its
unit (the token's `unit`), by the units `dossier.received` carried (#15 item 7)."""

import pytest
from sqlalchemy import update

from services.routing.plans.models import plans
from shared.auth import issue_token
from tests.routing.conftest import Routing, new_dossier

PATHS = ("plan", "control-slip", "control-slip.html")


def reception(routing: Routing, unit: str | None) -> dict[str, str]:
    token = issue_token(routing.secret, sub=f"reception-{unit}", role="reception", unit=unit)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("units", "caller", "answer"),
    [
        ({"unit_code": "B"}, "A", 403),  # another unit's dossier
        ({"unit_code": "B"}, "B", 200),
        ({"unit_code": "B", "return_unit_code": "A"}, "A", 200),  # returned at A
        ({"unit_code": "B", "return_unit_code": None}, "A", 403),  # null: returned where received
        ({"unit_code": "B"}, None, 200),  # no unit claim: a single-unit deployment, as before
    ],
)
async def test_reception_reads_a_plan_by_the_dossiers_receiving_and_return_units(
    routing: Routing, units: dict[str, str | None], caller: str | None, answer: int
) -> None:
    dossier = new_dossier(("VPDK", 3))
    await routing.deliver(dossier.received(**units))
    for path in PATHS:
        response = await routing.http.get(
            f"/v1/dossiers/{dossier.code}/{path}", headers=reception(routing, caller)
        )
        assert response.status_code == answer, (path, response.text)
        if answer == 403:
            assert response.json()["code"] == "not_your_unit"


async def test_a_plan_stored_before_units_is_every_receptions(routing: Routing) -> None:
    """Plans of older events whose unit routing did not keep: null units, the default unit's."""
    dossier = new_dossier(("VPDK", 3))
    await routing.deliver(dossier.received())
    async with routing.app.state.sessions() as session, session.begin():
        await session.execute(update(plans).where(plans.c.code == dossier.code).values(unit_code=None))
    response = await routing.http.get(f"/v1/dossiers/{dossier.code}/plan", headers=reception(routing, "A"))
    assert response.status_code == 200, response.text
