"""What a digitized file must be before it is stored: a PDF, JPEG or PNG by its content, whole, ending
where its format says it ends, carrying nothing else, and a PDF within a page ceiling.

A file that is two files at once (a polyglot: a JPEG with a ZIP behind it, a PDF with an archive inside)
would be stored and served under the type of the first while holding the second; a PDF whose page tree
names one page 90,000 times costs seconds to count. So every check here works on the file's bytes
alone, as pure functions (no I/O, no clock), and its work is bounded before it starts by the file's size
(capped by `MOTCUA_MAX_UPLOAD_BYTES`) and by counts no real scan comes near - never by what the file
says about itself. A check that fails raises `Refused`, nothing else.

What pypdf does beneath the page count is bounded by the file's size only, at a cost per byte a file
can make large (its stream filters run in Python), so the caller runs `check` in a child process it can
stop (`shared.isolation`); this module imports nothing beyond pypdf, to start there quickly.

Images are walked by hand rather than with Pillow: Pillow finds an image's header but neither where
the image ends nor what follows it, which is the question here, and decoding the pixels to find out
would cost far more than walking the segments.
"""

import io
import re
import struct
import zlib

from pypdf import PasswordType, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject


class Refused(Exception):
    """The file is not accepted: becomes a `Problem` with this status, code and detail."""

    def __init__(self, status: int, code: str, detail: str, extra: dict[str, int] | None = None) -> None:
        super().__init__(status, code, detail, extra)  # as `args`, so that it pickles across processes
        self.status, self.code, self.detail, self.extra = status, code, detail, extra or {}


PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
SNIFF_BYTES = 1024  # a PDF's header may sit anywhere in its first kilobyte (refused below unless first)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# After the end of the image or the PDF's last %%EOF: some writers pad to a block with zeros or end with
# a newline; anything else, or more than this, is a second file riding along.
TRAILING_SLACK = 4096
PADDING = b"\x00\xff\t\n\r\f "

# No real scan comes near these; each bounds a loop whose length the file would otherwise choose.
MAX_JPEG_SEGMENTS = 2000  # a progressive JPEG with metadata has a few dozen
MAX_PNG_CHUNKS = 50_000  # 20 MiB in libpng's 8 KiB IDAT chunks is 2,560
MAX_ZIP_END_RECORDS = 16  # by chance, a 20 MiB file holds one with a probability of 1 in 200

_LABELS = {PDF: "PDF", JPEG: "JPEG image", PNG: "PNG image"}
# A JPEG marker: 0xFF, any fill 0xFF bytes, then its code (possessive: a run of fill is never re-tried).
_JPEG_MARKER = re.compile(rb"\xff++([^\xff])")
# Where entropy-coded data ends: a 0xFF that is neither stuffing (FF 00), a restart (FF D0-D7) nor fill.
_JPEG_SCAN_END = re.compile(rb"\xff(?![\x00\xd0-\xd7\xff])")
# Start-of-frame codes: C0-CF except DHT (C4), JPG (C8) and DAC (CC).
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_ZIP_END = b"PK\x05\x06"
_ZIP_CENTRAL = b"PK\x01\x02"
_ZIP64_LOCATOR = b"PK\x06\x07"


def sniff(head: bytes) -> str | None:
    """The file's type from its first bytes (magic numbers); the client's word is not taken."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if b"%PDF-" in head[:SNIFF_BYTES]:
        return PDF
    return None


def check(data: bytes, content_type: str, max_pages: int) -> int:
    """The file's page count (an image is one page) once `data` is whole and only a `content_type`."""
    end = {PDF: pdf_end, JPEG: jpeg_end, PNG: png_end}[content_type](data)
    trailing_check(data, end, _LABELS[content_type])
    if carries_zip(data):
        raise Refused(
            422,
            "content_mismatch",
            "The file carries a ZIP archive inside it; upload the scan alone, saved again as a plain "
            "PDF, JPEG or PNG.",
        )
    return pdf_pages(data, max_pages) if content_type == PDF else 1


def trailing_check(data: bytes, end: int, label: str) -> None:
    """Refuse what follows the format's own end, beyond a little padding."""
    rest = data[end:]
    if len(rest) > TRAILING_SLACK or rest.strip(PADDING):
        raise Refused(
            422,
            "content_mismatch",
            f"The file carries {len(rest)} bytes of other data after the end of its {label}; save the scan "
            f"again as a plain {label} (no second picture, archive or attachment behind it).",
        )


def carries_zip(data: bytes) -> bool:
    """Whether a ZIP reader would find an archive in `data`: an end-of-central-directory record that
    points at a central directory (what every reader looks for), or a ZIP64 one. The signature alone is
    four bytes that compressed data holds by chance; both together, never."""
    if data.count(_ZIP_END) > MAX_ZIP_END_RECORDS:
        return True  # no scan carries such a run of them; refused rather than inspected one by one
    at = data.find(_ZIP_END)
    while at >= 0:
        if _zip_end_record(data, at):
            return True
        at = data.find(_ZIP_END, at + 1)
    return False


def _zip_end_record(data: bytes, at: int) -> bool:
    if at >= 20 and data[at - 20 : at - 16] == _ZIP64_LOCATOR:
        return True
    if at + 22 > len(data):
        return False
    entries, cd_size, cd_offset = struct.unpack_from("<HII", data, at + 10)
    if entries == 0:
        return False  # an empty archive carries nothing
    # Readers take the central directory at its recorded offset, or right before this record when
    # something (here: the image) was prepended to the archive.
    return any(start >= 0 and data[start : start + 4] == _ZIP_CENTRAL for start in (at - cd_size, cd_offset))


# JPEG and PNG: walked segment by segment to their end, pixels never decoded.


def _damaged(label: str, why: str) -> Refused:
    return Refused(
        422, "unreadable_image", f"The {label} is damaged or incomplete ({why}); scan the document again."
    )


def jpeg_end(data: bytes) -> int:
    """The offset just past the JPEG's end-of-image marker, the image being well formed up to it: start
    of image, segments of their declared lengths, a frame and a scan, entropy-coded data up to the next
    marker."""
    if not data.startswith(b"\xff\xd8"):
        raise _damaged("JPEG image", "no start of image")
    at, frame, scan = 2, False, False
    for _ in range(MAX_JPEG_SEGMENTS):
        marker = _JPEG_MARKER.match(data, at)
        if marker is None:
            raise _damaged("JPEG image", "no end of image")
        code, at = marker.group(1)[0], marker.end()
        if code == 0xD9:
            if not (frame and scan):
                raise _damaged("JPEG image", "no picture in it")
            return at
        if code == 0x01 or 0xD0 <= code <= 0xD7:
            continue  # markers without a length
        if code in (0x00, 0xD8) or at + 2 > len(data):
            raise _damaged("JPEG image", "a broken segment")
        length = int.from_bytes(data[at : at + 2], "big")
        if length < 2 or at + length > len(data):
            raise _damaged("JPEG image", "a segment runs past the end")
        at += length
        frame = frame or code in _JPEG_FRAMES
        if code == 0xDA:
            if not frame:
                raise _damaged("JPEG image", "a scan before its frame")
            scan = True
            scan_end = _JPEG_SCAN_END.search(data, at)
            if scan_end is None:
                raise _damaged("JPEG image", "no end of image")
            at = scan_end.start()
    raise _damaged("JPEG image", f"more than {MAX_JPEG_SEGMENTS} segments")


def png_end(data: bytes) -> int:
    """The offset just past the PNG's IEND chunk, the image being well formed up to it: signature, IHDR
    first, chunks of their declared lengths with matching CRCs, image data, IEND."""
    if not data.startswith(PNG_SIGNATURE):
        raise _damaged("PNG image", "no PNG signature")
    view = memoryview(data)
    at, image_data = len(PNG_SIGNATURE), False
    for index in range(MAX_PNG_CHUNKS):
        if at + 12 > len(data):
            raise _damaged("PNG image", "no IEND chunk")
        length: int
        kind: bytes
        length, kind = struct.unpack_from(">I4s", data, at)
        end = at + 12 + length
        if length > 0x7FFFFFFF or end > len(data) or not kind.isalpha():
            raise _damaged("PNG image", "a broken chunk")
        if zlib.crc32(view[at + 4 : end - 4]) != int.from_bytes(data[end - 4 : end], "big"):
            raise _damaged("PNG image", f"a wrong checksum in the {kind.decode()} chunk")
        if (index == 0) != (kind == b"IHDR") or (kind == b"IHDR" and length != 13):
            raise _damaged("PNG image", "no header chunk first")
        image_data = image_data or kind == b"IDAT"
        if kind == b"IEND":
            if not image_data:
                raise _damaged("PNG image", "no image data")
            return end
        at = end
    raise _damaged("PNG image", f"more than {MAX_PNG_CHUNKS} chunks")


# PDF: the header first, %%EOF last, and the pages counted by a walk that stops at the ceiling.


def _unreadable_pdf(detail: str = "damaged, or protected by a password") -> Refused:
    return Refused(422, "unreadable_pdf", f"The PDF cannot be read ({detail}); scan the document again.")


def pdf_end(data: bytes) -> int:
    """The offset just past the PDF's last `%%EOF` (later incremental saves end with their own)."""
    if not data.startswith(b"%PDF-"):
        # Readers tolerate data before the header, which is how a PDF is made to be another file too.
        raise Refused(
            422,
            "content_mismatch",
            "Other data precedes the PDF header; save the scan again as a plain PDF.",
        )
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise _unreadable_pdf("it is incomplete: no %%EOF at its end")
    return end + len(b"%%EOF")


def pdf_pages(data: bytes, max_pages: int) -> int:
    """The PDF's page count, refused past `max_pages` as soon as the walk gets there."""
    try:
        reader = PdfReader(io.BytesIO(data))
        # Protected against editing only, it is readable without a password; otherwise it is not.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise _unreadable_pdf("protected by a password")
        pages = page_tree_count(reader.trailer, max_pages)
    except (Refused, MemoryError):
        raise  # out of memory is no sign of damage: the caller refuses the file as too complex
    except Exception as exc:  # pypdf raises many kinds on a damaged file: all mean "cannot read"
        raise _unreadable_pdf() from exc
    if pages < 1:
        raise _unreadable_pdf("it has no pages")
    return pages


def _malformed_pdf(why: str) -> Refused:
    return Refused(
        422,
        "malformed_pdf",
        f"The PDF's page tree {why}; save it again as a new PDF (for example with “Print to PDF”) "
        "or scan the document again.",
    )


def page_tree_count(trailer: DictionaryObject, max_pages: int) -> int:
    """Count the pages of the tree under the catalog's /Pages, visiting each node at most once.

    pypdf's own count (`len(reader.pages)`) flattens the tree and follows every reference: a page, or a
    /Pages node, named many times in /Kids is walked as often, so a few kilobytes make 90,000 pages.
    Every node of a page tree has one parent, so a node reached twice (repeated, shared or cyclic) is
    refused at once; and the walk stops past `max_pages` pages or four nodes per allowed page (a tree
    with more nodes than pages is no scan's)."""
    catalog = trailer["/Root"]
    if not isinstance(catalog, DictionaryObject) or "/Pages" not in catalog:
        raise _unreadable_pdf("it has no page tree")
    max_nodes = 4 * max_pages + 16
    seen: set[tuple[int, int]] = set()
    pending = [catalog.raw_get("/Pages")]
    pages = nodes = 0
    while pending:
        entry = pending.pop()
        nodes += 1
        if nodes > max_nodes:
            raise _malformed_pdf("has far more nodes than pages")
        if isinstance(entry, IndirectObject):
            reference = (entry.idnum, entry.generation)
            if reference in seen:
                raise _malformed_pdf("names the same page or branch more than once")
            seen.add(reference)
        node = entry.get_object()
        if not isinstance(node, DictionaryObject) or not node:
            continue  # as pypdf does: a damaged entry in /Kids is no page
        kind = _entry(node, "/Type")
        kids = _entry(node, "/Kids")
        if kind == "/Pages" or (kind is None and kids is not None):
            if isinstance(kids, ArrayObject):
                pending.extend(kids)  # already parsed, so no more than the file's bytes; each costs a node
        elif kind in ("/Page", None):
            pages += 1
            if pages > max_pages:
                raise Refused(
                    422,
                    "too_many_pages",
                    f"The PDF has more than {max_pages} pages; split it into files of at most "
                    f"{max_pages} pages.",
                    {"max_pages": max_pages},
                )
    return pages


def _entry(node: DictionaryObject, key: str) -> object:
    """`node[key]` resolved (`get` alone hands back a reference), None when absent; a name as `str`."""
    value = node.get(key)
    resolved = None if value is None else value.get_object()
    return str(resolved) if isinstance(resolved, NameObject) else resolved
