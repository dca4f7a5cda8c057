"""Issue #13 items 5 and 6 at intake: control characters (PostgreSQL refuses U+0000 in text) and
dates past any real dossier are a 422 naming the field wherever they come in (path, query, header,
JSON body, an import line), never a 500, and change nothing."""

import json
from typing import Any

import pytest

from services.intake.catalogue.models import agencies, procedures
from services.intake.dossiers.models import applicants, dossiers
from tests.edges import assert_refused, row_counts
from tests.intake.conftest import Intake, unique_code
from tests.intake.importing.test_import import old, send, stored
from tests.intake.reception.test_reception import land

NUL = "a\x00b"

# (method, path, role, body, the field named)
PLACES: list[tuple[str, str, str, Any, str]] = [
    ("GET", "/v1/dossiers/a%00b", "reception", None, "key"),
    ("GET", "/v1/dossiers/a%00b/receipt?secret=abcd", "reception", None, "key"),
    ("POST", "/v1/dossiers/a%00b/accept", "reception", {}, "key"),
    ("POST", "/v1/dossiers/a%00b/withdraw", "reception", {"reason": "rút"}, "key"),
    ("POST", "/v1/dossiers/a%00b/return", "reception", {}, "key"),
    ("POST", "/v1/dossiers/a%00b/supplement", "reception", {"documents": ["GCN"]}, "key"),
    ("GET", "/v1/procedures?q=%00", "reception", None, "q"),
    ("GET", "/v1/procedures?field=a%00", "reception", None, "field"),
    ("GET", "/v1/procedures?agency=a%00", "reception", None, "agency"),
    ("GET", "/v1/lookup?code=a%00b&secret=abcd", "reception", None, "code"),
    ("GET", "/v1/lookup?code=ab&secret=ab%00cd", "reception", None, "secret"),
    ("POST", "/v1/dossiers", "reception", land(applicant={"name": NUL}), "name"),
    ("POST", "/v1/dossiers", "reception", land(applicant={"name": "An", "address": NUL}), "address"),
    ("POST", "/v1/dossiers", "reception", land(applicant={"name": "An", "email": NUL}), "email"),
    ("POST", "/v1/dossiers", "reception", land(note=NUL), "note"),
    ("POST", "/v1/dossiers", "reception", land(eligible=False, refusal_reason=NUL), "refusal_reason"),
    ("POST", "/v1/dossiers", "portal", land(channel="online", portal_id=NUL), "portal_id"),
    ("POST", "/v1/dossiers", "reception", land(applicant={"name": "An\x1b[2J"}), "name"),  # ESC
    ("POST", "/v1/dossiers", "reception", land(applicant={"name": "A\x85n"}), "name"),  # C1
    ("POST", "/v1/dossiers", "reception", land(applicant={"name": "An\x7f"}), "name"),  # DEL
    ("POST", "/v1/agencies", "admin", {"code": "NUL1", "name": NUL, "sector": "x"}, "name"),
]


async def _counts(intake: Intake) -> list[int]:
    return await row_counts(intake.app, dossiers, applicants, agencies, procedures)


@pytest.mark.parametrize(("method", "path", "role", "body", "field"), PLACES)
async def test_a_control_character_anywhere_is_422_naming_the_field_and_changes_nothing(
    intake: Intake, method: str, path: str, role: Any, body: Any, field: str
) -> None:
    before = await _counts(intake)
    response = await intake.http.request(method, path, json=body, headers=intake.auth(role))
    assert_refused(response, field)
    assert await _counts(intake) == before


async def test_a_lone_surrogate_in_json_is_422_not_an_encoding_failure(intake: Intake) -> None:
    # JSON may spell a lone surrogate (`\ud800`); it has no UTF-8 form for the database.
    raw = json.dumps(land(applicant={"name": "An"})).replace('"An"', '"\\ud800"').encode()
    headers = {**intake.auth("reception"), "content-type": "application/json"}
    before = await _counts(intake)
    assert_refused(await intake.http.post("/v1/dossiers", content=raw, headers=headers), "name")
    assert await _counts(intake) == before


async def test_free_text_keeps_its_line_breaks_and_tabs(intake: Intake) -> None:
    response = await intake.post("/v1/dossiers", land(note="Dòng một\r\n\tDòng hai"))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/procedures?on=0001-01-01", "on"),
        ("/v1/procedures?on=9999-12-31", "on"),
        ("/v1/procedures?on=1899-12-31", "on"),
    ],
)
async def test_a_day_outside_1900_to_2200_is_422(intake: Intake, path: str, field: str) -> None:
    assert_refused(await intake.http.get(path, headers=intake.auth("reception")), field)


async def test_a_procedure_effective_in_year_9999_is_422_and_not_published(intake: Intake) -> None:
    body = {
        "code": unique_code("P"),
        "name": "Thủ tục",
        "field_code": "DD",
        "agency_code": "VPDK",
        "processing_days": 5,
        "service_level": 2,
        "effective_from": "9999-12-31",
    }
    before = await _counts(intake)
    assert_refused(await intake.post("/v1/procedures", body, role="admin"), "effective_from")
    assert await _counts(intake) == before


async def test_an_import_line_with_a_nul_or_an_extreme_date_fails_alone(intake: Intake) -> None:
    good = [old(), old()]
    lines: list[dict[str, Any] | str] = [
        good[0],
        old(applicant={"name": "Nguyễn\x00Văn A"}),
        old(external_code="OLD\x00X"),
        old(received_at="9999-12-31T23:00:00-05:00"),
        old(received_at="0001-01-01T00:00:00+07:00"),
        good[1],
    ]
    response = await send(intake, lines)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["imported"], summary["failed"]) == (2, 4)
    assert [(e["line"], e["code"]) for e in summary["errors"]] == [
        (n, "validation_error") for n in (2, 3, 4, 5)
    ]
    assert "applicant.name" in summary["errors"][0]["detail"]
    assert "\x00" not in response.text
    for line in good:
        assert await stored(intake, line["external_code"]) is not None
