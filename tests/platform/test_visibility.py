"""One rule for who sees a dossier (shared.visibility), as every service applies it."""

import pytest

from shared.auth import Principal, Role
from shared.errors import Problem
from shared.visibility import ensure_may_see

ROUTE = ["VPDK", "THUE"]
SUBMITTER = "portal-account-1"


@pytest.mark.parametrize(
    ("role", "agency", "sub", "answer"),
    [
        ("admin", None, "a", 200),
        ("auditor", None, "a", 200),
        ("reception", None, "r", 200),
        ("portal", None, SUBMITTER, 200),
        ("portal", None, "portal-account-2", 404),  # codes are sequential: no probing
        ("officer", "VPDK", "o", 200),  # the lead agency
        ("leader", "THUE", "l", 200),  # a step's agency
        ("officer", "STNMT", "o", 403),
        ("leader", "STNMT", "l", 403),  # a leader is no wider than the agency's officers
    ],
)
def test_who_sees_a_dossier(role: Role, agency: str | None, sub: str, answer: int) -> None:
    who = Principal(sub=sub, role=role, agency=agency)
    if answer == 200:
        ensure_may_see(who, "C-1", agencies=ROUTE, submitted_by=SUBMITTER)
        return
    with pytest.raises(Problem) as refused:
        ensure_may_see(who, "C-1", agencies=ROUTE, submitted_by=SUBMITTER)
    assert refused.value.status == answer
    assert refused.value.code == ("dossier_not_found" if answer == 404 else "not_your_agency")


def test_a_counter_dossier_is_no_portal_accounts() -> None:
    with pytest.raises(Problem):
        ensure_may_see(Principal(sub="x", role="portal"), "C-1", agencies=ROUTE, submitted_by=None)


@pytest.mark.parametrize(
    ("unit", "receiving", "returning", "sees"),
    [
        ("A", "A", None, True),  # received at its unit, returned there
        ("A", "B", None, False),  # another unit's dossier
        ("A", "B", "B", False),
        ("A", "B", "A", True),  # to be returned at its unit
        ("A", "A", "B", True),  # received at its unit, returned elsewhere
        ("A", None, None, True),  # units unknown (stored before units): the default unit's, as today
        (None, "B", None, True),  # no unit claim: a single-unit deployment, today's access
    ],
)
def test_reception_sees_the_dossiers_received_or_returned_at_its_unit(
    unit: str | None, receiving: str | None, returning: str | None, sees: bool
) -> None:
    who = Principal(sub="r", role="reception", unit=unit)
    if sees:
        ensure_may_see(who, "C-1", agencies=ROUTE, receiving_unit=receiving, return_unit=returning)
        return
    with pytest.raises(Problem) as refused:
        ensure_may_see(who, "C-1", agencies=ROUTE, receiving_unit=receiving, return_unit=returning)
    assert (refused.value.status, refused.value.code) == (403, "not_your_unit")


def test_units_widen_no_one_else() -> None:
    """The dossier's units matter to reception only: an officer off the route is still refused."""
    with pytest.raises(Problem):
        ensure_may_see(
            Principal(sub="o", role="officer", agency="STNMT", unit="A"),
            "C-1",
            agencies=ROUTE,
            receiving_unit="A",
        )
