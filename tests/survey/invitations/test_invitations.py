"""Invitations from `dossier.returned` and what survey keeps of agencies and dossiers, on real servers:
repeated, late and out-of-order events change nothing; the token is shown again but never stored."""

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import select

from services.survey.invitations import tokens
from services.survey.invitations.models import invitations
from services.survey.replicas.models import agencies, dossiers
from tests.conftest import Stack
from tests.platform.toy import publish_to
from tests.survey.conftest import Dossier, Survey, agency_registered, dossier_code, received, returned, utc


async def test_a_returned_dossier_opens_an_invitation_that_reception_and_its_portal_account_can_show(
    survey: Survey,
) -> None:
    lead = await survey.agency()
    dossier = await survey.returned(lead, portal_account="citizen-a")
    for headers in (survey.auth("reception"), survey.auth("portal", sub="citizen-a")):
        response = await survey.http.get(f"/v1/invitations/{dossier.code}", headers=headers)
        assert response.status_code == 200, response.text
        shown = response.json()
        assert shown["token"] == tokens.invitation_token(survey.settings.survey_token_secret, dossier.id)
        assert shown["agency_code"] == lead
        assert shown["used"] is False
        assert shown["expires_at"] == utc(survey.clock.now() + timedelta(days=30)).replace("+00:00", "Z")
    officer = await survey.http.get(
        f"/v1/invitations/{dossier.code}", headers=survey.auth("officer", agency=lead)
    )
    assert officer.status_code == 403
    assert officer.json()["code"] == "forbidden_role"
    anonymous = await survey.http.get(f"/v1/invitations/{dossier.code}")
    assert anonymous.status_code == 401


async def test_a_portal_account_asking_for_another_accounts_invitation_is_told_there_is_none(
    survey: Survey,
) -> None:
    lead = await survey.agency()
    theirs = await survey.returned(lead, portal_account="citizen-a")
    at_the_counter = await survey.returned(lead)
    never = Dossier(dossier_code(), uuid.uuid4(), lead)

    async def as_citizen_b(code: str) -> dict[str, object]:
        response = await survey.http.get(
            f"/v1/invitations/{code}", headers=survey.auth("portal", sub="citizen-b")
        )
        assert response.status_code == 404, response.text
        body: dict[str, object] = response.json()
        return {key: str(value).replace(code, "<code>") for key, value in body.items()}

    # The same answer as for a code without an invitation: sequential codes cannot be probed.
    expected = await as_citizen_b(never.code)
    assert expected["code"] == "no_invitation"
    assert await as_citizen_b(theirs.code) == expected
    assert await as_citizen_b(at_the_counter.code) == expected
    # Nothing was used up: the submitting account still votes with its token.
    token = await survey.token(theirs.code)
    body = {
        "dossier_code": theirs.code,
        "channel": "portal",
        "answers": {"complexity": "simple", "satisfaction": "satisfied"},
    }
    assert (await survey.vote({**body, "token": token}, "portal", sub="citizen-a")).status_code == 201


async def test_a_return_sent_before_intake_named_the_portal_account_is_shown_to_reception_only(
    survey: Survey,
) -> None:
    lead = await survey.agency()
    dossier = Dossier(dossier_code(), uuid.uuid4(), lead)
    event = returned(dossier, at=survey.clock.now())
    old = event.model_copy(update={"data": {k: v for k, v in event.data.items() if k != "portal_account"}})
    await survey.deliver(received(dossier, at=survey.clock.now()), old)
    assert (
        await survey.scalar(
            select(invitations.c.portal_account).where(invitations.c.dossier_code == dossier.code)
        )
        is None
    )
    assert (await survey.token(dossier.code)) == tokens.invitation_token(
        survey.settings.survey_token_secret, dossier.id
    )
    portal = await survey.http.get(f"/v1/invitations/{dossier.code}", headers=survey.auth("portal"))
    assert portal.status_code == 404


async def test_the_token_is_never_stored(survey: Survey) -> None:
    dossier = await survey.returned(await survey.agency())
    token = await survey.token(dossier.code)
    [row] = await survey.rows(select(invitations).where(invitations.c.dossier_code == dossier.code))
    assert token not in repr(row._asdict())
    assert set(row._asdict()) == {
        "dossier_code",
        "dossier_id",
        "agency_code",
        "returned_at",
        "expires_at",
        "used_at",
        "portal_account",
    }


async def test_no_invitation_before_the_return_nor_for_an_imported_dossier(survey: Survey) -> None:
    lead = await survey.agency()
    waiting = Dossier(dossier_code(), uuid.uuid4(), lead)
    old = Dossier(dossier_code(), uuid.uuid4(), lead)
    await survey.deliver(
        received(waiting, at=survey.clock.now()), returned(old, at=survey.clock.now(), imported=True)
    )
    for code in (waiting.code, old.code):
        response = await survey.http.get(f"/v1/invitations/{code}", headers=survey.auth("reception"))
        assert response.status_code == 404
        assert response.json()["code"] == "no_invitation"


async def test_a_repeated_or_second_return_keeps_the_first_invitation_and_its_expiry(survey: Survey) -> None:
    lead = await survey.agency()
    dossier = await survey.returned(lead)
    first = await survey.rows(select(invitations).where(invitations.c.dossier_code == dossier.code))
    later = survey.clock.now() + timedelta(days=3)
    await survey.deliver(returned(dossier, at=later), returned(dossier, at=survey.clock.now()))
    assert await survey.rows(select(invitations).where(invitations.c.dossier_code == dossier.code)) == first


async def test_a_return_heard_before_the_receipt_still_invites_and_the_receipt_is_kept(
    survey: Survey,
) -> None:
    lead = await survey.agency()
    dossier = Dossier(dossier_code(), uuid.uuid4(), lead)
    at = survey.clock.now()
    await survey.deliver(returned(dossier, at=at), received(dossier, at=at - timedelta(days=10)))
    await survey.deliver(received(dossier, at=at - timedelta(days=10)))  # repeated: nothing changes
    assert (await survey.token(dossier.code)) == tokens.invitation_token(
        survey.settings.survey_token_secret, dossier.id
    )
    [kept] = await survey.rows(select(dossiers).where(dossiers.c.code == dossier.code))
    assert (kept.agency_code, kept.field_code, kept.procedure_code) == (lead, "DAT_DAI", "DD-01")


async def test_an_agency_registered_again_keeps_the_newest_names(survey: Survey) -> None:
    code = await survey.agency()
    now = survey.clock.now()
    newer = agency_registered(code, at=now + timedelta(hours=1), name="Tên mới", sector="Tư pháp")
    older = agency_registered(code, at=now - timedelta(hours=1), name="Tên cũ", sector="Cũ")
    await survey.deliver(newer, older)
    [row] = await survey.rows(select(agencies.c.name, agencies.c.sector).where(agencies.c.code == code))
    assert tuple(row) == ("Tên mới", "Tư pháp")


async def test_agencies_and_returns_arrive_over_nats_and_the_invitation_opens(
    survey: Survey, stack: Stack
) -> None:
    lead = f"NATS{uuid.uuid4().hex[:6].upper()}"
    dossier = Dossier(dossier_code(), uuid.uuid4(), lead)
    at = survey.clock.now()
    await publish_to(
        survey.app,
        stack.nats_url,
        ("catalog.agency.registered", agency_registered(lead, at=at)),
        (f"dossier.{lead}.received", received(dossier, at=at)),
        (f"dossier.{lead}.returned", returned(dossier, at=at)),
    )
    for _ in range(200):
        response = await survey.http.get(f"/v1/invitations/{dossier.code}", headers=survey.auth("reception"))
        if response.status_code == 200:
            break
        await asyncio.sleep(0.05)
    assert response.status_code == 200, response.text
    body = {
        "dossier_code": dossier.code,
        "channel": "portal",
        "answers": {"complexity": "simple", "satisfaction": "satisfied"},
        "token": response.json()["token"],
    }
    for _ in range(200):  # the agency arrives on another stream, by another consumer
        if await survey.scalar(select(agencies.c.code).where(agencies.c.code == lead)):
            break
        await asyncio.sleep(0.05)
    voted = await survey.vote(body)
    assert voted.status_code == 201, voted.text
    assert voted.json()["agency_code"] == lead
