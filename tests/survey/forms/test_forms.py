"""Survey forms as data on real servers: the default form, new versions by effective date, a ballot
keeping the version it answered.

Versions published here take effect in the 2090s, so the tests that vote in 2021 keep the default form.
"""

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from services.survey.ballots.models import ballots
from services.survey.forms import default_form
from services.survey.forms.models import forms
from tests.survey.conftest import Survey, vn

QUESTIONS: list[dict[str, Any]] = [
    {
        "code": "satisfaction",
        "label": "Ông/Bà có hài lòng không?",
        "options": [
            {"code": "satisfied", "label": "Hài lòng"},
            {"code": "unsatisfied", "label": "Không hài lòng", "requires_reason": True},
        ],
    },
    {
        "code": "waiting",
        "label": "Thời gian chờ",
        "required": False,
        "options": [{"code": "short", "label": "Nhanh"}, {"code": "long", "label": "Lâu"}],
    },
]


async def publish(survey: Survey, body: dict[str, Any]) -> Any:
    return await survey.http.post("/v1/forms", json=body, headers=survey.auth("admin"))


def answers_for(form: dict[str, Any]) -> dict[str, str]:
    """An answer to every question of `form`, none asking for a reason."""
    return {
        q["code"]: next(o["code"] for o in q["options"] if not o["requires_reason"])
        for q in form["questions"]
    }


async def form_count(survey: Survey) -> int:
    return int(await survey.scalar(select(func.count()).select_from(forms)) or 0)


async def test_kiosks_read_the_default_form_without_a_token(survey: Survey) -> None:
    response = await survey.http.get("/v1/forms/current")
    assert response.status_code == 200, response.text
    form = response.json()
    assert (form["code"], form["title"], form["effective_from"]) == (
        "satisfaction",
        default_form.TITLE,
        "2000-01-01",
    )
    complexity, satisfaction = form["questions"]
    assert [o["label"] for o in complexity["options"]] == [
        "Thủ tục đơn giản",
        "Cần giảm bớt giấy tờ",
        "Thủ tục phức tạp",
    ]
    assert [(o["code"], o["label"], o["requires_reason"]) for o in satisfaction["options"]] == [
        ("very_satisfied", "Rất hài lòng", False),
        ("satisfied", "Hài lòng", False),
        ("unsatisfied", "Không hài lòng", True),
    ]


async def test_the_default_form_is_loaded_once_however_often_the_service_starts(survey: Survey) -> None:
    async with survey.app.state.sessions() as session, session.begin():
        assert await default_form.load_if_empty(session, clock=survey.clock) is False
    loaded = (
        select(func.count()).select_from(forms).where(forms.c.created_by == default_form.SEED_PRINCIPAL.sub)
    )
    assert await survey.scalar(loaded) == 1


async def test_a_new_version_takes_effect_on_its_day_and_ballots_keep_the_version_they_answered(
    survey: Survey,
) -> None:
    year = 2090 + uuid.uuid4().int % 9  # a day of this test's own; the others vote in 2021
    survey.clock.set(vn(year, 3, 1, 9, 0))
    before = (await survey.http.get("/v1/forms/current")).json()
    response = await publish(
        survey, {"title": "Phiếu mới", "effective_from": f"{year}-03-02", "questions": QUESTIONS}
    )
    assert response.status_code == 201, response.text
    published = response.json()
    assert published["version"] > before["version"]
    assert (await survey.http.get("/v1/forms/current")).json() == before, "not in force before its day"

    agency = await survey.agency()
    old = {
        "agency_code": agency,
        "channel": "kiosk",
        "answers": {**answers_for(before), "complexity": "simple"},
    }
    first = await survey.vote(old)
    assert first.status_code == 201, first.text
    assert first.json()["form"]["version"] == before["version"]

    survey.clock.advance(timedelta(days=1))
    assert (await survey.http.get("/v1/forms/current")).json()["version"] == published["version"]
    asked_before = {**old, "answers": {"complexity": "simple", "satisfaction": "satisfied"}}
    refused = await survey.vote(asked_before)  # `complexity` is no longer asked
    assert refused.status_code == 422
    assert refused.json()["code"] == "unknown_question"
    new = await survey.vote({**old, "answers": {"satisfaction": "satisfied"}})
    assert new.status_code == 201, new.text
    assert new.json()["form"] == {"code": "satisfaction", "version": published["version"]}

    answered = select(forms.c.version).join_from(ballots, forms, ballots.c.form_id == forms.c.id)
    kept = await survey.rows(answered.where(ballots.c.agency_code == agency).order_by(ballots.c.submitted_at))
    assert [r.version for r in kept] == [before["version"], published["version"]]


async def test_only_an_admin_publishes_a_form_and_a_bad_one_stores_nothing(survey: Survey) -> None:
    survey.clock.set(vn(2099, 1, 1, 9, 0))
    body: dict[str, Any] = {"title": "Phiếu", "questions": QUESTIONS}
    assert (await survey.http.post("/v1/forms", json=body)).status_code == 401
    reception = await survey.http.post("/v1/forms", json=body, headers=survey.auth("reception"))
    assert reception.status_code == 403
    count = await form_count(survey)
    one_option = [{**QUESTIONS[0], "options": QUESTIONS[0]["options"][:1]}]
    cases: list[tuple[dict[str, Any], str]] = [
        ({**body, "effective_from": str(date(2098, 12, 31))}, "effective_from_past"),
        ({**body, "questions": []}, "no_questions"),
        ({**body, "questions": [QUESTIONS[0], QUESTIONS[0]]}, "duplicate_question"),
        ({**body, "questions": one_option}, "too_few_options"),
        ({**body, "questions": [{**QUESTIONS[0], "code": "Sai Mã"}]}, "validation_error"),
        ({**body, "version": 7}, "validation_error"),
    ]
    for bad, code in cases:
        response = await publish(survey, bad)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code
    assert await form_count(survey) == count
