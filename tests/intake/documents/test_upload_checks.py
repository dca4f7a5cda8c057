"""The checks of a digitized file before it is stored, without servers: whole, one file only, pages
counted within a ceiling, and (the last test) run in a child process stopped at its time. The images come
from Pillow (there through fpdf2) so that what passes is a real encoder's output."""

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfWriter

from services.intake.documents.upload_checks import JPEG, PDF, PNG, Refused, check, jpeg_end, png_end
from shared.isolation import ChildFailed, run_isolated


def jpeg_file(**options: object) -> bytes:
    """A real JPEG of random pixels (distinct per call; its entropy-coded data holds many 0xFF)."""
    image = Image.frombytes("RGB", (64, 48), os.urandom(64 * 48 * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def png_file(size: tuple[int, int] = (24, 16)) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def pdf_file(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": os.urandom(8).hex()})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_of_objects(*objects: bytes) -> bytes:
    """A PDF written by hand, object 1 its catalog, with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def repeated_page_tree_pdf() -> bytes:
    """1.5 KB that pypdf counts as 90,000 pages, in seconds: 30 x 30 x 100 references to one page."""
    return pdf_of_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 90000 /Kids [" + b"3 0 R " * 30 + b"] >>",
        b"<< /Type /Pages /Count 3000 /Parent 2 0 R /Kids [" + b"4 0 R " * 30 + b"] >>",
        b"<< /Type /Pages /Count 100 /Parent 3 0 R /Kids [" + b"5 0 R " * 100 + b"] >>",
        b"<< /Type /Page /Parent 4 0 R /MediaBox [0 0 595 842] >>",
    )


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


def jpeg_carrying_zip() -> bytes:
    """A JPEG with a ZIP behind it: an image to a viewer, an archive to an unzipper."""
    polyglot = jpeg_file() + zip_file()
    assert zipfile.ZipFile(io.BytesIO(polyglot)).namelist() == ["payload.html"]
    return polyglot


def refusal(data: bytes, content_type: str, max_pages: int = 500) -> tuple[int, str]:
    with pytest.raises(Refused) as refused:
        check(data, content_type, max_pages=max_pages)
    return refused.value.status, refused.value.code


def test_real_jpegs_pngs_and_pdfs_pass_with_their_page_counts() -> None:
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"
    encoder_options: list[dict[str, object]] = [
        {},
        {"progressive": True, "optimize": True},
        {"restart_marker_rows": 1},
        {"exif": exif},
    ]
    for options in encoder_options:
        assert check(jpeg_file(**options), JPEG, max_pages=1) == 1
    assert check(png_file(), PNG, max_pages=1) == 1
    assert check(png_file((300, 200)), PNG, max_pages=1) == 1  # several IDAT chunks
    assert check(pdf_file(3), PDF, max_pages=3) == 3
    assert check(pdf_file(1) + b"\r\n\x00\x00", PDF, max_pages=3) == 1  # padding after %%EOF


def test_a_page_tree_naming_one_page_90000_times_is_refused_without_walking_it() -> None:
    assert refusal(repeated_page_tree_pdf(), PDF) == (422, "malformed_pdf")


def test_a_page_tree_that_repeats_a_page_or_loops_back_is_refused() -> None:
    twice = pdf_of_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 2 /Kids [3 0 R 3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R >>",
    )
    loop = pdf_of_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 2 /Kids [3 0 R 4 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Parent 2 0 R /Kids [2 0 R] >>",
    )
    assert refusal(twice, PDF) == (422, "malformed_pdf")
    assert refusal(loop, PDF) == (422, "malformed_pdf")


def test_a_pdf_past_the_page_ceiling_is_refused_and_one_at_it_passes() -> None:
    assert refusal(pdf_file(4), PDF, max_pages=3) == (422, "too_many_pages")
    assert check(pdf_file(3), PDF, max_pages=3) == 3
    empty_branches = pdf_of_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R " + b"<< /Type /Pages /Kids [] >> " * 40 + b"] >>",
        b"<< /Type /Page /Parent 2 0 R >>",
    )
    assert refusal(empty_branches, PDF, max_pages=3) == (422, "malformed_pdf")


def test_a_jpeg_carrying_a_zip_is_refused_behind_it_or_inside_it() -> None:
    assert refusal(jpeg_carrying_zip(), JPEG) == (422, "content_mismatch")

    image, archive = jpeg_file(), zip_file()
    inside = image[:2] + b"\xff\xfe" + struct.pack(">H", len(archive) + 2) + archive + image[2:]
    assert jpeg_end(inside) == len(inside), "a well-formed JPEG, its comment segment holding the ZIP"
    assert zipfile.ZipFile(io.BytesIO(inside)).namelist() == ["payload.html"]
    assert refusal(inside, JPEG) == (422, "content_mismatch")


def test_a_png_or_pdf_carrying_a_zip_is_refused() -> None:
    image, archive = png_file(), zip_file()
    assert refusal(image + archive, PNG) == (422, "content_mismatch")
    chunk = struct.pack(">I", len(archive)) + b"ziPp" + archive
    inside = image[:-12] + chunk + struct.pack(">I", zlib.crc32(chunk[4:])) + image[-12:]
    assert png_end(inside) == len(inside)
    assert zipfile.ZipFile(io.BytesIO(inside)).namelist() == ["payload.html"]
    assert refusal(inside, PNG) == (422, "content_mismatch")

    document = pdf_file(1)
    assert refusal(document + archive, PDF) == (422, "content_mismatch")
    assert refusal(document + archive + b"%%EOF\n", PDF) == (422, "content_mismatch")
    assert refusal(archive + document, PDF) == (422, "content_mismatch")


def test_data_after_an_image_is_refused_beyond_a_little_padding() -> None:
    assert check(jpeg_file() + b"\x00" * 512, JPEG, max_pages=1) == 1
    assert refusal(jpeg_file() + b"\x00" * 5000, JPEG) == (422, "content_mismatch")
    assert refusal(jpeg_file() + b"<html>", JPEG) == (422, "content_mismatch")
    assert refusal(jpeg_file() + jpeg_file(), JPEG) == (422, "content_mismatch")
    assert refusal(png_file() + b"#!/bin/sh\n", PNG) == (422, "content_mismatch")


def test_damaged_images_are_refused() -> None:
    image = png_file()
    flipped = bytearray(image)
    flipped[40] ^= 0x01  # inside the first IDAT chunk: its CRC no longer matches
    assert refusal(bytes(flipped), PNG) == (422, "unreadable_image")
    header_only = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
    assert refusal(header_only, JPEG) == (422, "unreadable_image")  # no frame, no scan: no picture
    endless = b"\xff\xd8" + b"\xff\xfe\x00\x02" * 5000 + b"\xff\xd9"
    assert refusal(endless, JPEG) == (422, "unreadable_image")


@pytest.mark.parametrize("make", [jpeg_file, png_file], ids=["jpeg", "png"])
def test_every_cut_short_image_is_refused(make: Callable[[], bytes]) -> None:
    data = make()
    content_type = JPEG if data.startswith(b"\xff\xd8") else PNG
    for cut in range(2, len(data), max(1, len(data) // 300)):
        assert refusal(data[:cut], content_type)[1] == "unreadable_image", cut


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([(b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG), (b"%PDF-1.7\n", PDF)]),
    st.binary(max_size=600),
    st.binary(max_size=40),
)
def test_any_bytes_are_answered_with_a_page_count_or_a_problem(
    kind: tuple[bytes, str], body: bytes, tail: bytes
) -> None:
    magic, content_type = kind
    for data in (magic + body, magic + body + b"%%EOF" + tail):
        assert outcome(data, content_type) in {"1 page", "2 pages", "3 pages", "4 pages", "5 pages", "422"}


def outcome(data: bytes, content_type: str) -> str:
    try:
        pages = check(data, content_type, max_pages=5)
    except Refused as problem:
        return str(problem.status)
    return f"{pages} page{'s' if pages > 1 else ''}"


def filter_bomb_pdf() -> bytes:
    """20 KB whose cross-reference stream inflates to 20 MiB of PNG-predicted rows, which pypdf undoes
    byte by byte in Python: half a minute of CPU in `PdfReader()`, before any page is counted."""
    rows = (b"\x04" + b"\x00" * 4) * (4 * 1024 * 1024)  # Paeth, 4 columns
    stream = zlib.compress(rows, 9)
    out = bytearray(b"%PDF-1.7\n")
    out += b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    out += b"2 0 obj\n<< /Type /Pages /Count 1 /Kids [] >>\nendobj\n"
    xref = len(out)
    out += (
        b"3 0 obj\n<< /Type /XRef /Size 4 /Root 1 0 R /W [1 2 1] /Filter /FlateDecode "
        b"/DecodeParms << /Predictor 12 /Columns 4 >> /Length %d >>\nstream\n" % len(stream)
    )
    out += stream + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


async def test_a_check_runs_in_a_child_stopped_at_its_time_and_memory() -> None:
    def run(
        function: Callable[..., Any], *args: object, seconds: float = 30, memory_bytes: int = 1 << 30
    ) -> Any:
        return run_isolated(function, *args, seconds=seconds, memory_bytes=memory_bytes, raises=(Refused,))

    assert await run(check, pdf_file(2), PDF, 5) == 2
    with pytest.raises(Refused) as refused:
        await run(check, pdf_file(6), PDF, 5)
    assert (refused.value.code, refused.value.extra) == ("too_many_pages", {"max_pages": 5})
    with pytest.raises(TimeoutError):
        await run(check, filter_bomb_pdf(), PDF, 5, seconds=1)
    with pytest.raises(MemoryError):
        await run(bytes, 1 << 30, memory_bytes=256 << 20)
    with pytest.raises(ChildFailed):
        await run(int, "not a number")
