"""The receipt (form 01) printed for a received dossier, on real PostgreSQL: what form 01 asks beyond
the papers (number of sets, the regulated processing time, where the result is collected, the tracking
book entry, the e-mail), with the e-mail kept out of the events."""

import json

from sqlalchemy import select

from services.intake.models import messaging
from tests.intake.conftest import Intake
from tests.intake.units.test_reception_units import new_unit, receive

RETURN_UNIT = "Trung tâm Phục vụ hành chính công xã Phú Vang"
EMAIL = "an.nguyen@example.vn"


async def test_the_receipt_prints_what_form_01_asks_and_the_email_stays_out_of_events(intake: Intake) -> None:
    unit = await new_unit(intake, name="Trung tâm Phục vụ hành chính công phường Hương Trà")
    back = await new_unit(intake, name=RETURN_UNIT, address="Thôn Dương Nổ Đông, xã Phú Vang")
    response = await receive(
        intake,
        unit,
        return_unit_code=back,
        applicant={"name": "Nguyễn Văn An", "phone": "0912345678", "email": EMAIL},
    )
    assert response.status_code == 201, response.text
    dossier = response.json()
    page = await intake.http.get(
        f"/v1/dossiers/{dossier['code']}/receipt",
        params={"secret": dossier["lookup_secret"], "format": "html"},
        headers=intake.auth("reception", unit=unit),
    )
    assert page.status_code == 200, page.text
    html = page.text
    assert "Số lượng hồ sơ: <strong>01 (bộ)</strong>" in html
    # DD-01 of the seed catalogue: 10 working days.
    assert "Thời gian giải quyết hồ sơ theo quy định: <strong>10 ngày làm việc</strong>" in html
    assert (
        f"Đăng ký nhận kết quả tại: <strong>{RETURN_UNIT}, Thôn Dương Nổ Đông, xã Phú Vang</strong>" in html
    )
    assert f"Vào Sổ theo dõi hồ sơ, số: <strong>{dossier['code']}</strong>" in html
    assert f"Email: <strong>{EMAIL}</strong>" in html

    async with intake.app.state.sessions() as session:
        payloads = list(await session.scalars(select(messaging.outbox.c.payload)))
    ours = [p for p in payloads if dossier["code"] in p or dossier["id"] in p]
    assert ours
    assert not [p for p in ours if EMAIL in json.dumps(json.loads(p), ensure_ascii=False)]
