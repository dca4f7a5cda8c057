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
