"""Content-addressed file storage: a file is named by its SHA-256, so the same content is stored once.

`BlobStore` is the interface services use; `LocalDiskStore` is the default (files under
`MOTCUA_DATA_DIR/attachments`). A deployment on several machines needs a shared store instead:
an S3-compatible implementation fits the same three methods (`put` as a multipart upload to a
temporary key, then a copy to `<sha256>` unless `HEAD <sha256>` finds it; `open` as a streamed `GET`;
`exists` as `HEAD`) and is set as `app.state.blob_store` at start-up. It is not written yet.
"""

import asyncio
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

CHUNK_BYTES = 256 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the same content was already stored


class BlobNotFound(KeyError):
    """No blob with this SHA-256 in the store."""


class BlobStore(Protocol):
    async def put(self, data: bytes | AsyncIterable[bytes]) -> StoredBlob:
        """Store the content (durably, once) and return its SHA-256 and size. If iterating `data`
        raises, nothing is stored and the exception propagates."""
        ...

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        """The stored content in chunks; raises `BlobNotFound` at once (before any chunk)."""
        ...

    async def exists(self, sha256: str) -> bool: ...


def valid_sha256(sha256: str) -> bool:
    return bool(_SHA256.match(sha256))


async def read_all(store: BlobStore, sha256: str) -> bytes:
    """The whole content in memory: for small files only."""
    return b"".join([chunk async for chunk in await store.open(sha256)])


class LocalDiskStore:
    """Files under `root/ab/cd/abcd…` (two levels of fan-out keep directories small).

    A write goes to a temporary file under `root/incoming` (same file system as its destination),
    is flushed to disk, then renamed into place with `os.replace`: a reader never sees half a file,
    and two writers of the same content both end with the one complete file. Disk I/O runs in
    worker threads, never on the event loop.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._incoming = root / "incoming"

    def path(self, sha256: str) -> Path:
        if not valid_sha256(sha256):
            raise BlobNotFound(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, data: bytes | AsyncIterable[bytes]) -> StoredBlob:
        if isinstance(data, bytes):
            sha256 = hashlib.sha256(data).hexdigest()
            if await self.exists(sha256):
                return StoredBlob(sha256, len(data), created=False)
            return await asyncio.to_thread(self._put_bytes, sha256, data)
        return await self._put_stream(data)

    def _put_bytes(self, sha256: str, data: bytes) -> StoredBlob:
        temp = self._temp_file()
        try:
            temp.write(data)
        except BaseException:
            _discard(temp)
            raise
        return self._commit(temp, sha256, len(data))

    async def _put_stream(self, data: AsyncIterable[bytes]) -> StoredBlob:
        temp = await asyncio.to_thread(self._temp_file)
        digest = hashlib.sha256()
        size = 0
        try:
            async for chunk in data:
                digest.update(chunk)
                size += len(chunk)
                await asyncio.to_thread(temp.write, chunk)
        except BaseException:
            await asyncio.to_thread(_discard, temp)
            raise
        return await asyncio.to_thread(self._commit, temp, digest.hexdigest(), size)

    def _temp_file(self) -> IO[bytes]:
        self._incoming.mkdir(parents=True, exist_ok=True)
        return tempfile.NamedTemporaryFile(dir=self._incoming, prefix="put-", delete=False)

    def _commit(self, temp: IO[bytes], sha256: str, size: int) -> StoredBlob:
        final = self.path(sha256)
        try:
            if final.exists():
                _discard(temp)
                return StoredBlob(sha256, size, created=False)
            temp.flush()
            os.fsync(temp.fileno())
            temp.close()
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp.name, final)
        except BaseException:
            _discard(temp)
            raise
        _fsync_dir(final.parent)
        return StoredBlob(sha256, size, created=True)

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        path = self.path(sha256)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        return _chunks(handle)

    async def exists(self, sha256: str) -> bool:
        try:
            path = self.path(sha256)
        except BlobNotFound:
            return False
        return await asyncio.to_thread(path.is_file)


async def _chunks(handle: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)


def _discard(temp: IO[bytes]) -> None:
    temp.close()
    Path(temp.name).unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk (POSIX; a no-op where unsupported).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
