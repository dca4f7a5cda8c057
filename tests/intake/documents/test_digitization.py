"""Digitization (số hóa) of received dossiers, against real PostgreSQL and a blob store on disk."""

import asyncio
import io
import json
import unicodedata
import uuid
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, select

from services.intake.documents.models import attachments, dossier_documents
from services.intake.dossiers.models import dossiers
from services.intake.models import audit_log, messaging
from tests.intake.conftest import Intake, routed_procedure
from tests.intake.documents.test_upload_checks import (
    filter_bomb_pdf,
    jpeg_carrying_zip,
    jpeg_file,
    png_file,
    repeated_page_tree_pdf,
)

REQUIRED = ["DON", "GCN", "CCCD"]


@pytest.fixture
async def data_dir(intake: Intake, tmp_path: Path) -> Path:
    """The blob store lives under the app's data dir; each test gets its own."""
    intake.app.state.settings.data_dir = tmp_path
    return tmp_path


@pytest.fixture
async def procedure(intake: Intake, data_dir: Path) -> str:
    return await routed_procedure(intake, prefix="SH-", name="Thủ tục thử số hóa")


def new_id_number() -> str:
    return f"{uuid.uuid4().int % 10**12:012d}"


async def receive(
    intake: Intake, procedure: str, *, id_number: str | None = None, documents: list[str] = REQUIRED
) -> dict[str, Any]:
    applicant: dict[str, Any] = {"name": "Trần Thị Bình"}
    if id_number:
        applicant["id_number"] = id_number
    body = {"procedure_code": procedure, "applicant": applicant, "documents": documents}
    response = await intake.post("/v1/dossiers", body)
    assert response.status_code == 201, response.text
    dossier: dict[str, Any] = response.json()
    return dossier


def pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": uuid.uuid4().hex})  # distinct content per call
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def jpeg() -> bytes:
    return jpeg_file()


async def upload(
    intake: Intake,
    key: str,
    code: str,
    data: bytes,
    *,
    filename: str = "scan.pdf",
    content_type: str = "application/pdf",
    role: Any = "reception",
) -> Any:
    return await intake.http.post(
        f"/v1/dossiers/{key}/documents/{code}",
        files={"file": (filename, data, content_type)},
        headers=intake.auth(role),
    )


async def digitized_events(intake: Intake, code: str) -> list[tuple[str, dict[str, Any]]]:
    async with intake.app.state.sessions() as session:
        rows = (
            await session.execute(
                select(messaging.outbox.c.topic, messaging.outbox.c.payload).order_by(messaging.outbox.c.id)
            )
        ).all()
    events = [(topic, json.loads(payload)) for topic, payload in rows]
    return [
        (topic, e)
        for topic, e in events
        if e.get("subject") == code and e["type"] == "vn.motcua.dossier.digitized.v1"
    ]


def stored_files(data_dir: Path) -> list[Path]:
    root = data_dir / "attachments"
    return [p for p in root.rglob("*") if p.is_file() and "incoming" not in p.parts]


async def test_each_checklist_item_is_digitized_with_its_page_count(
    intake: Intake, procedure: str, data_dir: Path
) -> None:
    dossier = await receive(intake, procedure)
    nfd_name = unicodedata.normalize("NFD", "Đơn đề nghị.pdf")
    scanned = await upload(intake, dossier["code"], "DON", pdf(3), filename=nfd_name)
    assert scanned.status_code == 201, scanned.text
    body = scanned.json()
    assert body["pages"] == 3
    assert body["content_type"] == "application/pdf"
    assert body["filename"] == unicodedata.normalize("NFC", "Đơn đề nghị.pdf")
    assert body["change"] == "added"
    assert body["missing"] == ["GCN", "CCCD"]

    photo = await upload(intake, dossier["code"], "GCN", jpeg(), filename="gcn.jpg", content_type="image/png")
    assert photo.status_code == 201, photo.text
    assert (photo.json()["content_type"], photo.json()["pages"]) == ("image/jpeg", 1)

    listed = await intake.http.get(
        f"/v1/dossiers/{dossier['code']}/documents", headers=intake.auth("leader", agency="VPDK")
    )
    assert listed.status_code == 200, listed.text
    state = listed.json()
    assert (state["documents"], state["pages"], state["reused"]) == (2, 4, 0)
    assert state["complete"] is False
    assert state["missing"] == ["CCCD"]
    assert [i["document_code"] for i in state["items"]] == ["DON", "GCN"]
    assert state["items"][0]["document_name"] == "Đơn đề nghị"
    assert state["items"][0]["uploaded_by"] == "reception-1"

    sha = body["sha256"]
    assert (data_dir / "attachments" / sha[:2] / sha[2:4] / sha).is_file()
    async with intake.app.state.sessions() as session:
        actions = (
            await session.scalars(
                select(audit_log.c.action).where(audit_log.c.entity == f"dossier:{dossier['code']}")
            )
        ).all()
    assert actions.count("dossier.document_digitized") == 2


async def test_the_same_content_is_stored_once(intake: Intake, procedure: str, data_dir: Path) -> None:
    first = await receive(intake, procedure)
    second = await receive(intake, procedure)
    scan = pdf(2)
    a = await upload(intake, first["code"], "DON", scan)
    b = await upload(intake, second["code"], "GCN", scan)
    assert a.status_code == b.status_code == 201
    assert a.json()["sha256"] == b.json()["sha256"]
    again = await upload(intake, first["code"], "DON", scan)
    assert again.status_code == 200
    assert again.json()["change"] == "unchanged"

    assert len(stored_files(data_dir)) == 1
    async with intake.app.state.sessions() as session:
        rows = await session.scalar(
            select(func.count()).select_from(attachments).where(attachments.c.sha256 == a.json()["sha256"])
        )
    assert rows == 1


async def test_a_new_scan_of_an_item_replaces_the_old_one(intake: Intake, procedure: str) -> None:
    dossier = await receive(intake, procedure)
    await upload(intake, dossier["code"], "DON", pdf(1))
    rescan = await upload(intake, dossier["code"], "DON", pdf(4))
    assert rescan.status_code == 200
    assert (rescan.json()["change"], rescan.json()["pages"]) == ("replaced", 4)
    state = (
        await intake.http.get(f"/v1/dossiers/{dossier['code']}/documents", headers=intake.auth("reception"))
    ).json()
    assert (state["documents"], state["pages"]) == (1, 4)


async def test_an_oversized_upload_is_refused_without_being_read_to_the_end(
    intake: Intake, procedure: str, data_dir: Path
) -> None:
    dossier = await receive(intake, procedure)
    limit = 100_000
    intake.app.state.settings.max_upload_bytes = limit

    declared = await upload(intake, dossier["code"], "DON", b"%PDF-1.7\n" + b"0" * (limit * 2))
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert declared.json()["code"] == "file_too_large"

    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield (
            b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        )
        while sent < 1024**3:  # a gigabyte, were it all read
            sent += 64 * 1024
            yield b"0" * (64 * 1024)

    streamed = await intake.http.post(
        f"/v1/dossiers/{dossier['code']}/documents/DON",
        content=endless(),
        headers={**intake.auth("reception"), "content-type": "multipart/form-data; boundary=b0undary"},
    )
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "file_too_large"
    assert sent < limit + 256 * 1024, "the body was cut off near the limit"
    assert stored_files(data_dir) == []


async def test_empty_unknown_type_and_malformed_uploads_are_refused(intake: Intake, procedure: str) -> None:
    dossier = await receive(intake, procedure)
    key = dossier["code"]
    cases = [
        (await upload(intake, key, "DON", b""), 422, "empty_file"),
        (
            await upload(intake, key, "DON", b"MZ\x90\x00" + b"\x00" * 2000, filename="scan.pdf"),
            415,
            "unsupported_file_type",
        ),
        (
            await upload(
                intake, key, "DON", "Xin chào".encode(), filename="a.txt", content_type="text/plain"
            ),
            415,
            "unsupported_file_type",
        ),
        (await upload(intake, key, "DON", b"%PDF-1.7\nnot really a pdf"), 422, "unreadable_pdf"),
        (await upload(intake, key, "PASSPORT", pdf(1)), 422, "unknown_document"),
        (await intake.post(f"/v1/dossiers/{key}/documents/DON", {"file": "x"}), 415, "multipart_required"),
        (
            await intake.http.post(
                f"/v1/dossiers/{key}/documents/DON",
                files={"scan": ("a.pdf", pdf(1))},
                headers=intake.auth("reception"),
            ),
            422,
            "file_missing",
        ),
        (await upload(intake, key, "DON", pdf(1), role="officer"), 403, "forbidden_role"),
        (await upload(intake, "NO-SUCH-DOSSIER", "DON", pdf(1)), 404, "dossier_not_found"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    state = (await intake.http.get(f"/v1/dossiers/{key}/documents", headers=intake.auth("reception"))).json()
    assert state["items"] == []


async def test_a_dossier_not_received_or_withdrawn_is_not_digitized(intake: Intake, procedure: str) -> None:
    incomplete = await receive(intake, procedure, documents=["DON"])
    assert incomplete["status"] == "incomplete"
    refused = await upload(intake, incomplete["id"], "DON", pdf(1))
    assert (refused.status_code, refused.json()["code"]) == (409, "dossier_not_received")

    dossier = await receive(intake, procedure)
    await intake.post(f"/v1/dossiers/{dossier['code']}/withdraw", {"reason": "Công dân xin rút"})
    withdrawn = await upload(intake, dossier["code"], "DON", pdf(1))
    assert (withdrawn.status_code, withdrawn.json()["code"]) == (409, "dossier_withdrawn")


async def test_dossier_digitized_is_emitted_exactly_once_when_the_checklist_is_covered(
    intake: Intake, procedure: str
) -> None:
    dossier = await receive(intake, procedure)
    code = dossier["code"]
    responses = await asyncio.gather(
        upload(intake, code, "DON", pdf(2)),
        upload(intake, code, "GCN", pdf(3)),
        upload(intake, code, "CCCD", jpeg(), filename="cccd.jpg", content_type="image/jpeg"),
    )
    assert [r.status_code for r in responses] == [201, 201, 201], [r.text for r in responses]
    await upload(intake, code, "MIEN_GIAM", pdf(1))
    await upload(intake, code, "DON", pdf(5))

    [(topic, event)] = await digitized_events(intake, code)
    assert topic == "dossier.VPDK.digitized"
    data = event["data"]
    assert data["code"] == code
    assert data["dossier_id"] == dossier["id"]
    assert data["agency_code"] == "VPDK"
    assert (data["documents"], data["pages"], data["reused"]) == (3, 6, 0)
    assert data["digitized_at"] == intake.clock.now().astimezone(UTC).isoformat()
    async with intake.app.state.sessions() as session:
        version = await session.scalar(select(dossiers.c.version).where(dossiers.c.code == code))
    assert event["dossierversion"] == version == 3  # 1 submitted, 2 received, 3 digitized


async def test_a_component_is_reused_from_the_same_applicants_earlier_dossier(
    intake: Intake, procedure: str
) -> None:
    citizen = new_id_number()
    earlier = await receive(intake, procedure, id_number=citizen)
    scan = (await upload(intake, earlier["code"], "GCN", pdf(2))).json()
    later = await receive(intake, procedure, id_number=citizen)

    reused = await intake.post(
        f"/v1/dossiers/{later['code']}/documents/GCN/reuse", {"from_dossier": earlier["code"]}
    )
    assert reused.status_code == 201, reused.text
    assert reused.json()["reused_from"] == earlier["code"]
    assert reused.json()["sha256"] == scan["sha256"]
    assert reused.json()["pages"] == 2

    await upload(intake, later["code"], "DON", pdf(1))
    await upload(intake, later["code"], "CCCD", pdf(1))
    [(_, event)] = await digitized_events(intake, later["code"])
    assert (event["data"]["documents"], event["data"]["pages"], event["data"]["reused"]) == (3, 4, 1)
    state = (
        await intake.http.get(f"/v1/dossiers/{later['code']}/documents", headers=intake.auth("auditor"))
    ).json()
    assert state["reused"] == 1
    async with intake.app.state.sessions() as session:
        sources = (
            await session.scalars(
                select(dossier_documents.c.reused_from)
                .where(dossier_documents.c.document_code == "GCN")
                .where(dossier_documents.c.dossier_id == uuid.UUID(later["id"]))
            )
        ).all()
    assert sources == [uuid.UUID(earlier["id"])]


async def test_reuse_is_refused_across_applicants_and_without_a_digitized_component(
    intake: Intake, procedure: str
) -> None:
    earlier = await receive(intake, procedure, id_number=new_id_number())
    await upload(intake, earlier["code"], "GCN", pdf(1))

    async def reuse(target: dict[str, Any], body: dict[str, Any]) -> tuple[int, str]:
        response = await intake.post(f"/v1/dossiers/{target['code']}/documents/GCN/reuse", body)
        return response.status_code, response.json()["code"]

    stranger = await receive(intake, procedure, id_number=new_id_number())
    assert await reuse(stranger, {"from_dossier": earlier["code"]}) == (403, "different_applicant")
    anonymous = await receive(intake, procedure)
    assert await reuse(anonymous, {"from_dossier": earlier["code"]}) == (422, "applicant_not_identified")
    assert await reuse(earlier, {"from_dossier": earlier["code"]}) == (422, "reuse_from_same_dossier")
    assert await reuse(stranger, {"from_dossier": "NO-SUCH"}) == (422, "source_dossier_not_found")

    citizen = new_id_number()
    first = await receive(intake, procedure, id_number=citizen)
    second = await receive(intake, procedure, id_number=citizen)
    assert await reuse(second, {"from_dossier": first["code"]}) == (422, "component_not_digitized")
    state = (
        await intake.http.get(f"/v1/dossiers/{stranger['code']}/documents", headers=intake.auth("reception"))
    ).json()
    assert state["items"] == []


async def test_a_stored_file_is_read_back_byte_for_byte_by_those_allowed(
    intake: Intake, procedure: str
) -> None:
    dossier = await receive(intake, procedure)
    scan = pdf(2)
    await upload(intake, dossier["code"], "DON", scan, filename="Đơn.pdf")
    path = f"/v1/dossiers/{dossier['code']}/documents/DON/file"

    read = await intake.http.get(path, headers=intake.auth("reception"))
    assert read.status_code == 200
    assert read.content == scan
    assert read.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''%C4%90%C6%A1n.pdf" in read.headers["content-disposition"]

    on_route = await intake.http.get(path, headers=intake.auth("officer", agency="THUE"))
    assert on_route.status_code == 200
    assert on_route.content == scan
    for role in ("officer", "leader"):  # a leader of any agency had read every agency's scans
        elsewhere = await intake.http.get(path, headers=intake.auth(role, agency="YTE"))
        assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "not_your_agency")
        listed = await intake.http.get(
            f"/v1/dossiers/{dossier['code']}/documents", headers=intake.auth(role, agency="YTE")
        )
        assert listed.status_code == 403
    portal = await intake.http.get(path, headers=intake.auth("portal"))
    assert portal.status_code == 403
    missing = await intake.http.get(
        f"/v1/dossiers/{dossier['code']}/documents/GCN/file", headers=intake.auth("reception")
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "document_not_digitized")


async def test_a_normal_jpeg_png_and_pdf_are_stored(intake: Intake, procedure: str) -> None:
    dossier = await receive(intake, procedure)
    files = [
        ("DON", pdf(2), "don.pdf", "application/pdf", 2),
        ("GCN", jpeg(), "gcn.jpg", "image/jpeg", 1),
        ("CCCD", png_file(), "cccd.png", "image/png", 1),
    ]
    for code, data, name, content_type, pages in files:
        response = await upload(intake, dossier["code"], code, data, filename=name, content_type=content_type)
        assert response.status_code == 201, response.text
        assert (response.json()["content_type"], response.json()["pages"]) == (content_type, pages)


async def test_a_pdf_repeating_one_page_in_its_page_tree_or_past_the_ceiling_is_refused_unstored(
    intake: Intake, procedure: str, data_dir: Path
) -> None:
    dossier = await receive(intake, procedure)
    repeated = await upload(intake, dossier["code"], "DON", repeated_page_tree_pdf())
    assert (repeated.status_code, repeated.json()["code"]) == (422, "malformed_pdf"), repeated.text
    assert repeated.headers["content-type"] == "application/problem+json"

    intake.app.state.settings.max_upload_pages = 3
    long = await upload(intake, dossier["code"], "DON", pdf(4))
    assert (long.status_code, long.json()["code"], long.json()["max_pages"]) == (422, "too_many_pages", 3)
    assert (await upload(intake, dossier["code"], "DON", pdf(3))).status_code == 201

    state = (
        await intake.http.get(f"/v1/dossiers/{dossier['code']}/documents", headers=intake.auth("reception"))
    ).json()
    assert (state["documents"], state["pages"]) == (1, 3)
    assert len(stored_files(data_dir)) == 1


async def test_a_jpeg_carrying_a_zip_is_refused_unstored(
    intake: Intake, procedure: str, data_dir: Path
) -> None:
    dossier = await receive(intake, procedure)
    response = await upload(
        intake, dossier["code"], "CCCD", jpeg_carrying_zip(), filename="cccd.jpg", content_type="image/jpeg"
    )
    assert (response.status_code, response.json()["code"]) == (422, "content_mismatch"), response.text
    assert "after the end of its JPEG image" in response.json()["detail"]
    assert stored_files(data_dir) == []
    state = (
        await intake.http.get(f"/v1/dossiers/{dossier['code']}/documents", headers=intake.auth("reception"))
    ).json()
    assert state["items"] == []


async def test_a_pdf_whose_check_outlasts_its_time_is_refused(intake: Intake, procedure: str) -> None:
    dossier = await receive(intake, procedure)
    intake.app.state.settings.upload_check_seconds = 1
    response = await upload(intake, dossier["code"], "DON", filter_bomb_pdf())
    assert (response.status_code, response.json()["code"]) == (422, "file_too_complex"), response.text
