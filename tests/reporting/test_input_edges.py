"""Issue #13 items 5 and 6 at reporting: ids past bigint, dates past any real period and control
characters are a 422 naming the parameter, never a 500."""

import pytest

from tests.edges import assert_refused
from tests.reporting.conftest import Reporting


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/v1/rebuild?run={2**70}", "run"),
        (f"/v1/rebuild?run={2**63}", "run"),
        ("/v1/rebuild?run=-1", "run"),
        ("/v1/reports/satisfaction?from=0001-01-01&to=2021-06-30", "from"),
        ("/v1/reports/satisfaction?from=2021-01-01&to=9999-12-31", "to"),
        ("/v1/reports/delays?from=2021-01-01&to=9999-12-31", "to"),
        ("/v1/reports/indicators?from=2021-01-01&to=2021-06-30&agency=a%00", "agency"),
        ("/v1/reports/six-month?year=2021&half=1&signer=a%00", "signer"),
        ("/v1/reports/six-month?year=2021&half=1&agency=a%00", "agency"),
    ],
)
async def test_an_extreme_or_control_character_parameter_is_422(
    reporting: Reporting, path: str, field: str
) -> None:
    assert_refused(await reporting.http.get(path, headers=reporting.auth("admin")), field)
