"""Reception reads a dossier's clock only for a dossier received or to be returned at its unit (the
token's `unit`), by the units `dossier.received` carried (#15 item 7)."""

import pytest
from sqlalchemy import update

from services.deadline.clocks.models import dossiers
from shared.auth import issue_token
from tests.deadline.conftest import Deadline, new_dossier


def reception(deadline: Deadline, unit: str | None) -> dict[str, str]:
    token = issue_token(deadline.secret, sub=f"reception-{unit}", role="reception", unit=unit)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("units", "caller", "answer"),
    [
        ({"unit_code": "B"}, "A", 403),
        ({"unit_code": "B"}, "B", 200),
        ({"unit_code": "B", "return_unit_code": "A"}, "A", 200),
        ({"unit_code": "A", "return_unit_code": "B"}, "A", 200),
        ({"unit_code": "B"}, None, 200),  # no unit claim: a single-unit deployment, as before
    ],
)
async def test_reception_reads_a_clock_by_the_dossiers_receiving_and_return_units(
    deadline: Deadline, units: dict[str, str], caller: str | None, answer: int
) -> None:
    dossier = new_dossier()
    await deadline.deliver(dossier.received(**units))
    response = await deadline.http.get(
        f"/v1/dossiers/{dossier.code}/clock", headers=reception(deadline, caller)
    )
    assert response.status_code == answer, response.text
    if answer == 403:
        assert response.json()["code"] == "not_your_unit"


async def test_a_clock_heard_before_units_is_every_receptions(deadline: Deadline) -> None:
    dossier = new_dossier()
    await deadline.deliver(dossier.received())
    async with deadline.app.state.sessions() as session, session.begin():
        await session.execute(
            update(dossiers)
            .where(dossiers.c.code == dossier.code)
            .values(unit_code=None, return_unit_code=None)
        )
    response = await deadline.http.get(f"/v1/dossiers/{dossier.code}/clock", headers=reception(deadline, "A"))
    assert response.status_code == 200, response.text
