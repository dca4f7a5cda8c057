"""Ballots on the session's real PostgreSQL and NATS: anonymous at a kiosk, about a returned dossier with
its invitation's token; every bad input a clear 4xx with nothing stored; the event reporting reads."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.survey.ballots.models import ballots
from services.survey.feedback.models import feedback_items
from services.survey.invitations.models import invitations
from tests.survey.conftest import Survey, SurveyFactory

SATISFIED = {"complexity": "simple", "satisfaction": "satisfied"}


def kiosk(agency: str, **overrides: Any) -> dict[str, Any]:
    """The architecture brief's fixed shape, as a kiosk sends it."""
    return {
        "agency_code": agency,
        "dossier_code": None,
        "channel": "kiosk",
        "answers": SATISFIED,
        "comment": None,
        **overrides,
    }


async def test_an_anonymous_kiosk_ballot_is_stored_without_anything_about_the_voter(survey: Survey) -> None:
    agency = await survey.agency()
    response = await survey.vote(kiosk(agency, comment="Cán bộ nhiệt tình"), device="kiosk-tang-1-may-3")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["agency_code"] == agency
    assert body["dossier_code"] is None
    assert body["form"]["code"] == "satisfaction"
    assert body["feedback_id"] is None
    [row] = await survey.rows(select(ballots).where(ballots.c.agency_code == agency))
    stored = row._asdict()
    assert set(stored) == {
        "id",
        "form_id",
        "agency_code",
        "dossier_code",
        "channel",
        "answers",
        "reason",
        "comment",
        "submitted_at",
    }
    assert stored["dossier_code"] is None
    assert stored["answers"] == SATISFIED
    assert stored["comment"] == "Cán bộ nhiệt tình"
    assert "kiosk-tang-1-may-3" not in repr(stored)
    assert "127.0.0.1" not in repr(stored)


async def test_a_ballot_emits_survey_submitted_without_the_comment(survey: Survey) -> None:
    agency = await survey.agency()
    answers = {"complexity": "fewer_papers", "satisfaction": "very_satisfied"}
    response = await survey.vote(kiosk(agency, answers=answers, comment="Bí mật: số nhà 12"))
    assert response.status_code == 201, response.text
    ballot = response.json()
    [event] = await survey.events_mentioning(ballot["id"])
    assert event["topic"] == "survey.submitted"
    assert event["type"] == "vn.motcua.survey.submitted.v1"
    assert event["source"] == "/motcua/survey"
    assert "subject" not in event  # anonymous: no dossier
    assert event["data"] == {
        "ballot_id": ballot["id"],
        "form": ballot["form"],
        "agency_code": agency,
        "dossier_code": None,
        "channel": "kiosk",
        "answers": answers,
        "reason_given": False,
        "submitted_at": "2021-06-18T02:00:00+00:00",
    }
    assert "Bí mật" not in str(event)


async def test_a_dossier_ballot_with_the_invitation_token_counts_for_the_lead_agency_once(
    survey: Survey,
) -> None:
    lead = await survey.agency("VPDK")
    dossier = await survey.returned(lead)
    token = await survey.token(dossier.code)
    body = {
        "dossier_code": dossier.code,
        "channel": "counter",
        "answers": SATISFIED,
        "comment": None,
        "token": token,
    }
    response = await survey.vote(body)
    assert response.status_code == 201, response.text
    assert response.json()["agency_code"] == lead
    [event] = await survey.events_mentioning(response.json()["id"])
    assert event["subject"] == dossier.code
    assert event["data"]["dossier_code"] == dossier.code
    assert event["data"]["channel"] == "counter"
    used = await survey.scalar(
        select(invitations.c.used_at).where(invitations.c.dossier_code == dossier.code)
    )
    assert used == survey.clock.now()

    again = await survey.vote(body)
    assert again.status_code == 409
    assert again.json()["code"] == "token_used"
    assert await survey.ballots_of(dossier_code=dossier.code) == 1


async def test_the_portal_votes_with_its_token_or_anonymously_with_the_invitation_token(
    survey: Survey,
) -> None:
    lead = await survey.agency()
    first, second = await survey.returned(lead), await survey.returned(lead)
    for dossier, role in ((first, "portal"), (second, None)):
        body = {
            "dossier_code": dossier.code,
            "channel": "portal",
            "answers": SATISFIED,
            "token": await survey.token(dossier.code),
        }
        response = await survey.vote(body, role)  # type: ignore[arg-type]
        assert response.status_code == 201, response.text
    officer = await survey.vote(kiosk(lead), "officer")
    assert officer.status_code == 403
    assert officer.json()["code"] == "forbidden_role"


async def test_concurrent_ballots_for_one_dossier_store_exactly_one(survey: Survey) -> None:
    lead = await survey.agency()
    dossier = await survey.returned(lead)
    token = await survey.token(dossier.code)
    body = {"dossier_code": dossier.code, "channel": "portal", "answers": SATISFIED, "token": token}
    responses = await asyncio.gather(*(survey.vote(body) for _ in range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"already_rated", "token_used"}
    assert await survey.ballots_of(dossier_code=dossier.code) == 1
    assert len(await survey.events_mentioning(f'"dossier_code":"{dossier.code}"')) == 1


async def test_the_token_expires_after_the_configured_days(survey: Survey) -> None:
    lead = await survey.agency()
    early, late = await survey.returned(lead), await survey.returned(lead)
    days = survey.settings.survey_invitation_days
    survey.clock.advance(timedelta(days=days) - timedelta(minutes=1))
    ok = {
        "dossier_code": early.code,
        "channel": "portal",
        "answers": SATISFIED,
        "token": await survey.token(early.code),
    }
    assert (await survey.vote(ok)).status_code == 201
    survey.clock.advance(timedelta(minutes=1))
    expired = {**ok, "dossier_code": late.code, "token": await survey.token(late.code)}
    response = await survey.vote(expired)
    assert response.status_code == 410
    assert response.json()["code"] == "token_expired"
    assert await survey.ballots_of(dossier_code=late.code) == 0


async def test_an_unsatisfied_ballot_needs_a_reason_and_opens_a_feedback_item_in_its_transaction(
    survey: Survey,
) -> None:
    agency = await survey.agency()
    answers = {"complexity": "complex", "satisfaction": "unsatisfied"}
    response = await survey.vote(kiosk(agency, answers=answers, reason="Phải đi lại ba lần"))
    assert response.status_code == 201, response.text
    ballot = response.json()
    [item] = await survey.rows(select(feedback_items).where(feedback_items.c.id == ballot["feedback_id"]))
    assert (item.source, str(item.ballot_id), item.agency_code) == ("ballot", ballot["id"], agency)
    assert item.content == "Phải đi lại ba lần"
    [submitted] = await survey.events_mentioning(f'"ballot_id":"{ballot["id"]}"')
    assert submitted["data"]["reason_given"] is True
    assert "Phải đi lại" not in str(submitted)
    assert [e["topic"] for e in await survey.events_mentioning(ballot["feedback_id"])] == [
        "survey.feedback_received"
    ]


# -- bad input: each a clear 4xx, nothing stored -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"agency_code": "NO_SUCH_AGENCY"}, 422, "unknown_agency"),
        ({"answers": {"complexity": "simple", "satisfaction": "happy"}}, 422, "unknown_option"),
        (
            {"answers": {"complexity": "simple", "satisfaction": "satisfied", "speed": "x"}},
            422,
            "unknown_question",
        ),
        ({"answers": {"satisfaction": "satisfied"}}, 422, "answer_missing"),
        ({"answers": {"complexity": "simple", "satisfaction": "unsatisfied"}}, 422, "reason_required"),
        (
            {"answers": {"complexity": "simple", "satisfaction": "unsatisfied"}, "reason": "   "},
            422,
            "reason_required",
        ),
        ({"comment": "x" * 2001}, 422, "comment_too_long"),
        (
            {"answers": {"complexity": "simple", "satisfaction": "unsatisfied"}, "reason": "y" * 2001},
            422,
            "reason_too_long",
        ),
        ({"device_id": "kiosk-1"}, 422, "validation_error"),
        ({"channel": "sms"}, 422, "validation_error"),
        ({"channel": "portal"}, 422, "dossier_required"),
        ({"agency_code": None}, 422, "agency_required"),
        ({"token": "ABCDEFGHIJ"}, 422, "dossier_required"),
        ({"comment": "nul \x00 byte"}, 422, "validation_error"),
        ({"dossier_code": "X'; DROP TABLE", "token": "ABCDEFGHIJ"}, 422, "validation_error"),
    ],
)
async def test_a_bad_kiosk_ballot_is_refused_with_its_code_and_nothing_is_stored(
    survey: Survey, change: dict[str, Any], status: int, code: str
) -> None:
    agency = await survey.agency()
    body = kiosk(agency, **change)
    response = await survey.vote(body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert await survey.ballots_of(agency_code=agency) == 0
    assert await survey.ballots_of(agency_code="NO_SUCH_AGENCY") == 0
    assert await survey.events_mentioning(f'"agency_code":"{agency}"') == []


async def test_wrong_token_other_agency_or_missing_token_for_a_dossier_is_refused_and_nothing_is_stored(
    survey: Survey,
) -> None:
    lead, other = await survey.agency(), await survey.agency()
    dossier = await survey.returned(lead)
    token = await survey.token(dossier.code)
    wrong = "A" * 10 if token != "A" * 10 else "B" * 10
    base = {"dossier_code": dossier.code, "channel": "portal", "answers": SATISFIED}
    cases = [
        ({**base, "token": wrong}, 403, "invalid_token"),
        ({**base, "dossier_code": "000.00.12.H57-210618-9999", "token": token}, 403, "invalid_token"),
        ({**base}, 422, "token_required"),
        ({**base, "token": token, "agency_code": other}, 422, "agency_mismatch"),
    ]
    for body, status, code in cases:
        response = await survey.vote(body)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await survey.ballots_of(dossier_code=dossier.code) == 0
    assert (
        await survey.scalar(select(invitations.c.used_at).where(invitations.c.dossier_code == dossier.code))
        is None
    )
    assert (await survey.vote({**base, "token": token})).status_code == 201  # the right token still works


# -- abuse limits: one bucket per device ---------------------------------------------------------------


async def test_invented_device_ids_are_held_back_by_the_ceiling_per_ip(survey_factory: SurveyFactory) -> None:
    survey = await survey_factory(survey_ip_ballots_per_minute=3.0)
    agency = await survey.agency()
    statuses = [(await survey.vote(kiosk(agency), device=f"fake-{n}")).status_code for n in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    assert await survey.ballots_of(agency_code=agency) == 3, "a refused ballot stores nothing"
    # The portal votes with its token: not a kiosk, not held by the kiosks' ceiling.
    dossier = await survey.returned(agency)
    body = {"dossier_code": dossier.code, "channel": "portal", "answers": SATISFIED}
    response = await survey.vote({**body, "token": await survey.token(dossier.code)}, "portal")
    assert response.status_code == 201, response.text


async def test_the_rate_limit_is_per_device_not_one_bucket_for_all_kiosks(
    survey_factory: SurveyFactory,
) -> None:
    survey = await survey_factory(survey_device_burst=2, survey_device_ballots_per_minute=1.0)
    agency = await survey.agency()
    first = [await survey.vote(kiosk(agency), device="kiosk-A") for _ in range(3)]
    assert [r.status_code for r in first] == [201, 201, 429]
    assert first[2].json()["code"] == "rate_limited"
    assert "Retry-After" in first[2].headers
    other = await survey.vote(kiosk(agency), device="kiosk-B")
    assert other.status_code == 201, "kiosk B has a bucket of its own"
    # Without a device id the client's address is the key: a bucket of its own again.
    by_ip = [await survey.vote(kiosk(agency)) for _ in range(3)]
    assert [r.status_code for r in by_ip] == [201, 201, 429]
    assert await survey.ballots_of(agency_code=agency) == 5, "a refused ballot stores nothing"
    # The portal's server votes for many citizens from one address, with its token: not a device.
    lead = await survey.agency()
    for _ in range(3):
        dossier = await survey.returned(lead)
        body = {
            "dossier_code": dossier.code,
            "channel": "portal",
            "answers": SATISFIED,
            "token": await survey.token(dossier.code),
        }
        assert (await survey.vote(body, "portal")).status_code == 201


# -- abuse limits: one bucket per signed-in account ----------------------------------------------------


async def _own_token(survey: Survey, code: str, account: str) -> str:
    """The invitation's token as the portal shows it to the account that submitted the dossier."""
    response = await survey.http.get(f"/v1/invitations/{code}", headers=survey.auth("portal", sub=account))
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def test_a_portal_account_stuffing_anonymous_ballots_gets_429_and_kiosks_keep_their_own_limits(
    survey_factory: SurveyFactory,
) -> None:
    survey = await survey_factory(
        survey_account_burst=2, survey_account_ballots_per_minute=1.0, survey_ip_ballots_per_minute=2.0
    )
    agency = await survey.agency()
    stuffed = [await survey.vote(kiosk(agency), "portal", sub="citizen-stuffer") for _ in range(3)]
    assert [r.status_code for r in stuffed] == [201, 201, 429]
    refused = stuffed[2]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    other = await survey.vote(kiosk(agency), "portal", sub="citizen-other")
    assert other.status_code == 201, "another account has a bucket of its own"
    # The kiosks behind the same address are held by their own ceiling only, untouched by the accounts.
    kiosks = [(await survey.vote(kiosk(agency), device=f"kiosk-{n}")).status_code for n in range(3)]
    assert kiosks == [201, 201, 429]
    assert await survey.ballots_of(agency_code=agency) == 5, "a refused ballot stores nothing"


async def test_a_portal_ballot_with_its_dossiers_invitation_token_counts_once_per_dossier_not_per_account(
    survey_factory: SurveyFactory,
) -> None:
    survey = await survey_factory(survey_account_burst=2, survey_account_ballots_per_minute=1.0)
    lead = await survey.agency()
    account = "citizen-many-dossiers"
    dossiers = [await survey.returned(lead, portal_account=account) for _ in range(4)]
    for dossier in dossiers:
        body = {
            "dossier_code": dossier.code,
            "channel": "portal",
            "answers": SATISFIED,
            "token": await _own_token(survey, dossier.code, account),
        }
        response = await survey.vote(body, "portal", sub=account)
        assert response.status_code == 201, response.text
    # Four ballots, twice the burst: the invitations counted them, the account's bucket is still full.
    anonymous = [await survey.vote(kiosk(lead), "portal", sub=account) for _ in range(3)]
    assert [r.status_code for r in anonymous] == [201, 201, 429]
    for dossier in dossiers:
        assert await survey.ballots_of(dossier_code=dossier.code) == 1


async def test_a_second_ballot_for_a_dossier_and_wrong_tokens_cost_the_account(
    survey_factory: SurveyFactory,
) -> None:
    survey = await survey_factory(survey_account_burst=3, survey_account_ballots_per_minute=1.0)
    lead = await survey.agency()
    rated, guessed = await survey.returned(lead), await survey.returned(lead)
    body = {"dossier_code": rated.code, "channel": "counter", "answers": SATISFIED}
    token = await survey.token(rated.code)
    assert (await survey.vote({**body, "token": token}, "reception")).status_code == 201
    assert (await survey.vote({**body, "token": token}, "reception")).json()["code"] == "token_used"
    # Guessing another dossier's token (50 bits) is held to the account's limit too.
    right = await survey.token(guessed.code)
    wrong = {**body, "dossier_code": guessed.code, "token": "A" * 10 if right != "A" * 10 else "B" * 10}
    statuses = [(await survey.vote(wrong, "reception")).status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
    assert (await survey.vote({**wrong, "token": right}, "reception")).status_code == 429
    assert await survey.ballots_of(dossier_code=guessed.code) == 0
    # Another account at the counter is not held back by this one.
    other = await survey.vote({**wrong, "token": right}, "reception", sub="reception-2")
    assert other.status_code == 201, other.text


async def test_reception_enters_paper_ballots_with_their_tokens_but_casts_no_anonymous_ballot(
    survey_factory: SurveyFactory,
) -> None:
    survey = await survey_factory(survey_account_burst=1, survey_account_ballots_per_minute=1.0)
    lead = await survey.agency()
    for _ in range(3):  # a stack of slips, more than the account's burst: each counted by its invitation
        dossier = await survey.returned(lead)
        body = {
            "dossier_code": dossier.code,
            "channel": "counter",
            "answers": SATISFIED,
            "token": await survey.token(dossier.code),
        }
        response = await survey.vote(body, "reception")
        assert response.status_code == 201, response.text
    anonymous = await survey.vote(kiosk(lead), "reception")
    assert anonymous.status_code == 403
    assert anonymous.json()["code"] == "forbidden_role"
    assert await survey.ballots_of(agency_code=lead) == 3


# -- the group commit of kiosk ballots -----------------------------------------------------------------


async def test_kiosk_ballots_arriving_together_are_all_stored_each_with_one_event(survey: Survey) -> None:
    agency = await survey.agency()
    responses = await asyncio.gather(*(survey.vote(kiosk(agency), device=f"k{i}") for i in range(60)))
    assert [r.status_code for r in responses] == [201] * 60
    assert await survey.ballots_of(agency_code=agency) == 60
    ids = {r.json()["id"] for r in responses}
    events = await survey.events_mentioning(f'"agency_code":"{agency}"')
    assert sorted(e["data"]["ballot_id"] for e in events) == sorted(ids)


async def test_a_row_the_database_refuses_fails_alone_and_its_batch_mates_are_stored(survey: Survey) -> None:
    agency = await survey.agency()
    box = survey.app.state.ballot_box
    engine = survey.app.state.runtime.engine

    def ballot(channel: str) -> tuple[dict[str, Any], dict[str, Any]]:
        ballot_id = uuid.uuid4()
        row = {
            "id": ballot_id,
            "form_id": 1,
            "agency_code": agency,
            "dossier_code": None,
            "channel": channel,
            "answers": SATISFIED,
            "reason": None,
            "comment": None,
            "submitted_at": survey.clock.now(),
        }
        _, event = box.outbox.row(
            name="survey.submitted",
            topic="survey.submitted",
            data={"ballot_id": str(ballot_id), "agency_code": agency},
        )
        return row, event

    good = [ballot("kiosk") for _ in range(5)]
    bad = ballot("sms")  # the table's CHECK refuses it; the API never lets it through
    results = await asyncio.gather(
        *(box.writer.write(engine, row, event) for row, event in [*good[:3], bad, *good[3:]]),
        return_exceptions=True,
    )
    assert [r is None for r in results] == [True, True, True, False, True, True]
    assert await survey.ballots_of(agency_code=agency) == 5
    assert len(await survey.events_mentioning(f'"agency_code":"{agency}"')) == 5
