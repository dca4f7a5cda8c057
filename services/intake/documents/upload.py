"""An uploaded scan received into a spool (memory, then disk) and checked whole before it is stored:
its type from its first bytes, then `upload_checks` in a child process that can be stopped."""

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO

from services.intake.documents import upload_checks
from services.intake.documents.upload_checks import SNIFF_BYTES, sniff
from shared.errors import Problem
from shared.isolation import ChildFailed, run_isolated

log = logging.getLogger("motcua.intake.digitization")

SPOOL_MEMORY_BYTES = 1024 * 1024  # an upload beyond this waits on disk, not in memory
READ_BYTES = 256 * 1024
CHECK_MEMORY_BYTES = 512 * 1024 * 1024  # a check's child process, beyond the file: pypdf's own caps fit


@dataclass
class Upload:
    """A received file waiting in a spool: its detected type, size and page count."""

    spool: IO[bytes]
    size: int
    content_type: str
    pages: int

    async def chunks(self) -> AsyncIterator[bytes]:
        await asyncio.to_thread(self.spool.seek, 0)
        while chunk := await asyncio.to_thread(self.spool.read, READ_BYTES):
            yield chunk


@asynccontextmanager
async def received_file(
    chunks: AsyncIterable[bytes], *, max_pages: int, check_seconds: float
) -> AsyncIterator[Upload]:
    """Read an upload into a spool (memory, then disk), refusing a type other than PDF, JPEG or PNG as
    soon as its first bytes arrive, then an empty file, a file that is not whole or carries another
    (`upload_checks`) and a PDF past `max_pages`; the spool is gone when the block ends."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115 - closed below
    try:
        head = b""
        content_type: str | None = None
        size = 0
        async for chunk in chunks:
            size += len(chunk)
            if content_type is None:
                head += chunk
                if len(head) >= SNIFF_BYTES:
                    content_type = _accepted(head)
            await asyncio.to_thread(spool.write, chunk)
        if size == 0:
            raise Problem(422, "empty_file", "The file is empty; scan the document again.")
        content_type = content_type or _accepted(head)
        pages = await _checked(spool, content_type, max_pages=max_pages, check_seconds=check_seconds)
        yield Upload(spool, size, content_type, pages)
    finally:
        spool.close()


def _accepted(head: bytes) -> str:
    content_type = sniff(head)
    if content_type is None:
        raise Problem(
            415,
            "unsupported_file_type",
            "Only PDF, JPEG and PNG scans are accepted; this file is none of them.",
        )
    return content_type


async def _checked(spool: IO[bytes], content_type: str, *, max_pages: int, check_seconds: float) -> int:
    """The page count, from `upload_checks` run in a child process: their own walks are bounded, but
    what pypdf does beneath them is not (a small PDF can cost it minutes), and only a process can be
    stopped when `check_seconds` are up."""
    data = await asyncio.to_thread(_contents, spool)
    memory = CHECK_MEMORY_BYTES + 4 * len(data)  # the file, its copies on the way, and room to parse it
    try:
        pages: int = await run_isolated(
            upload_checks.check,
            data,
            content_type,
            max_pages,
            seconds=check_seconds,
            memory_bytes=memory,
            raises=(upload_checks.Refused,),
        )
        if type(pages) is not int or not 1 <= pages <= max_pages:
            raise ChildFailed(f"the check answered {pages!r}")  # never from the check itself
    except upload_checks.Refused as refused:
        raise Problem(refused.status, refused.code, refused.detail, extra=refused.extra) from None
    except (TimeoutError, MemoryError, ChildFailed) as exc:
        log.warning("upload check stopped", extra={"reason": repr(exc), "content_type": content_type})
        raise Problem(
            422,
            "file_too_complex",
            "Checking the file took too long or too much memory; save it again as a plain PDF, JPEG or PNG, "
            "or scan it again.",
        ) from None
    except OSError as exc:  # no process could be started (after TimeoutError, which is one too)
        log.error("upload check not started", extra={"reason": repr(exc)})
        raise Problem(
            503, "check_unavailable", "The file cannot be checked right now; send it again in a moment."
        ) from None
    return pages


def _contents(spool: IO[bytes]) -> bytes:
    # At most MOTCUA_MAX_UPLOAD_BYTES, held only while checked: the checks need to see the whole file.
    spool.seek(0)
    return spool.read()
