"""The import's body as lines, and a line as an `ImportLine` or the problem that keeps it out, as pure
functions: the stream is an argument."""

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from services.intake.importing.schemas import ImportLine

MAX_LINE_BYTES = 64 * 1024
_BOM = b"\xef\xbb\xbf"


class LineTooLong(Exception):
    """A line past `MAX_LINE_BYTES`: the request stops there (413), since the reader will not buffer it."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line} is longer than {MAX_LINE_BYTES} bytes")
        self.line = line


@dataclass(frozen=True, slots=True)
class LineProblem:
    code: str
    detail: str


async def ndjson_lines(
    chunks: AsyncIterable[bytes], max_bytes: int = MAX_LINE_BYTES
) -> AsyncIterator[tuple[int, bytes]]:
    """`(line number, bytes)` for every non-blank line, holding at most one line and one chunk.

    Line numbers count every line, blank ones included, as an editor shows them; `\\r\\n` endings and
    a UTF-8 byte-order mark (spreadsheet exports) are dropped. Raises `LineTooLong` as soon as a
    line is known to be too long, without reading it to its end.
    """
    rest = b""
    number = 0
    async for chunk in chunks:
        if not chunk:
            continue
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        for part in parts:
            number += 1
            line = _clean(part, number)
            if len(line) > max_bytes:
                raise LineTooLong(number)
            if line.strip():
                yield number, line
        if len(rest) > max_bytes:
            raise LineTooLong(number + 1)
    if rest:
        number += 1
        line = _clean(rest, number)
        if line.strip():
            yield number, line


def _clean(part: bytes, number: int) -> bytes:
    if part.endswith(b"\r"):
        part = part[:-1]
    if number == 1 and part.startswith(_BOM):
        part = part[len(_BOM) :]
    return part


def parse_line(raw: bytes) -> ImportLine | LineProblem:
    """The line as an `ImportLine`, or why not. Details name the fields, never echo their values."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LineProblem(
            "invalid_encoding", f"The line is not UTF-8 (byte {exc.start}); export it as UTF-8."
        )
    try:
        return ImportLine.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            return LineProblem("malformed_json", f"The line is not one JSON object: {errors[0]['msg']}.")
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        code = "unknown_pause_kind" if all(_unknown_pause_kind(e) for e in errors) else "validation_error"
        return LineProblem(code, f"{where}{more}.")


def _unknown_pause_kind(error: ErrorDetails) -> bool:
    """A `pauses.<n>.kind` that is none of the kinds: when that is all that is wrong with the line, the
    line's error gets a code of its own."""
    loc = error["loc"]
    return error["type"] == "literal_error" and len(loc) == 3 and loc[0] == "pauses" and loc[2] == "kind"
