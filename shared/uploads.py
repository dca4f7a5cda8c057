"""One file out of a `multipart/form-data` body, read as it arrives and cut off at a size limit.

Starlette's form parser spools every uploaded file to disk before the route runs, however large;
`FilePart` instead parses the request stream itself, so a body past the limit is refused with a 413
after at most the limit has been read, and nothing of it is kept.
"""

from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import ClientDisconnect

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

from shared.errors import Problem
from shared.text import nfc

# Room for the multipart envelope and a few small text fields beside the file.
ENVELOPE_BYTES = 64 * 1024


def too_large(max_bytes: int) -> Problem:
    return Problem(
        413,
        "file_too_large",
        f"The file is larger than {max_bytes} bytes; scan it at a lower resolution or split it.",
        extra={"max_bytes": max_bytes},
    )


def declared_length_check(content_length: str | None, max_bytes: int) -> None:
    """Refuse before reading anything when the client announces a body past the limit."""
    if content_length and content_length.isdigit() and int(content_length) > max_bytes + ENVELOPE_BYTES:
        raise too_large(max_bytes)


class FilePart:
    """The part named `field` of a multipart body: iterate `chunks()` once; `filename` and
    `content_type` (the client's claim, never trusted for the file's type) are known once the first
    chunk has arrived, `size` when iteration ends."""

    def __init__(
        self, content_type: str | None, body: AsyncIterable[bytes], *, field: str, max_bytes: int
    ) -> None:
        self._content_type_header = content_type or ""
        self._body = body
        self._field = field.encode()
        self.max_bytes = max_bytes
        self.filename: str | None = None
        self.content_type: str | None = None
        self.size = 0
        self._seen = False
        self._in_file = False
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._pending: list[bytes] = []

    def _boundary(self) -> bytes:
        kind, params = parse_options_header(self._content_type_header)
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise Problem(
                415,
                "multipart_required",
                f"Send the file as multipart/form-data in the field '{self._field.decode()}'.",
            )
        return boundary

    async def chunks(self) -> AsyncIterator[bytes]:
        parser = MultipartParser(self._boundary(), self._callbacks())
        body_bytes = 0
        try:
            async for data in self._body:
                body_bytes += len(data)
                if body_bytes > self.max_bytes + ENVELOPE_BYTES:
                    raise too_large(self.max_bytes)
                parser.write(data)
                for chunk in self._take():
                    yield chunk
            parser.finalize()
        except FormParserError as exc:
            raise Problem(422, "invalid_multipart", "The multipart body is malformed.") from exc
        except ClientDisconnect as exc:
            raise Problem(
                400, "upload_interrupted", "The upload stopped before the end; send it again."
            ) from exc
        for chunk in self._take():
            yield chunk
        if not self._seen:
            raise Problem(
                422, "file_missing", f"The multipart body has no file in the field '{self._field.decode()}'."
            )

    def _take(self) -> list[bytes]:
        taken, self._pending = self._pending, []
        self.size += sum(len(chunk) for chunk in taken)
        if self.size > self.max_bytes:
            raise too_large(self.max_bytes)
        return taken

    def _callbacks(self) -> "MultipartCallbacks":
        def on_part_begin() -> None:
            self._headers = {}

        def on_header_field(data: bytes, start: int, end: int) -> None:
            self._header_name += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            self._header_value += data[start:end]

        def on_header_end() -> None:
            self._headers[self._header_name.lower()] = self._header_value
            self._header_name = b""
            self._header_value = b""

        def on_headers_finished() -> None:
            _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
            self._in_file = options.get(b"name") == self._field
            if not self._in_file:
                return
            if self._seen:
                raise Problem(422, "one_file_only", "Send one file per request.")
            self._seen = True
            raw_name = options.get(b"filename")
            self.filename = raw_name.decode("utf-8", "replace") if raw_name else None
            declared = self._headers.get(b"content-type")
            self.content_type = declared.decode("latin-1") if declared else None

        def on_part_data(data: bytes, start: int, end: int) -> None:
            if self._in_file:
                self._pending.append(data[start:end])

        def on_part_end() -> None:
            self._in_file = False

        return {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        }


def safe_filename(raw: str | None, fallback: str) -> str:
    """The name a person gave the file, NFC, without any path, control characters or excess length."""
    name = nfc((raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if ch.isprintable()).strip(" .")
    if not name:
        return fallback
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 200 - len(ext) - 1] + dot + ext if dot and len(ext) <= 10 else name[:200]
    return name
