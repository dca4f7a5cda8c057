"""The content-addressed blob store on local disk: stored once, atomically, read back exactly."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.storage import BlobNotFound, LocalDiskStore, read_all


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_a_blob_is_named_by_its_sha256_under_a_two_level_fan_out(tmp_path: Path) -> None:
    store = LocalDiskStore(tmp_path)
    data = "Giấy chứng nhận".encode() * 1000
    sha = hashlib.sha256(data).hexdigest()
    stored = await store.put(data)
    assert (stored.sha256, stored.size, stored.created) == (sha, len(data), True)
    assert files(tmp_path) == [tmp_path / sha[:2] / sha[2:4] / sha]
    assert await store.exists(sha)
    assert await read_all(store, sha) == data


async def test_the_same_content_is_stored_once_whether_bytes_or_a_stream(tmp_path: Path) -> None:
    store = LocalDiskStore(tmp_path)
    data = bytes(range(256)) * 4096
    first = await store.put(chunks(data[:1000], data[1000:300_000], data[300_000:]))
    second = await store.put(data)
    racing = await asyncio.gather(*(store.put(chunks(data)) for _ in range(5)))
    assert first.created
    assert not second.created
    assert {b.sha256 for b in (first, second, *racing)} == {hashlib.sha256(data).hexdigest()}
    assert len(files(tmp_path)) == 1, "no second copy and no temporary file left behind"


async def test_a_failing_stream_stores_nothing(tmp_path: Path) -> None:
    store = LocalDiskStore(tmp_path)

    async def broken() -> AsyncIterator[bytes]:
        yield b"%PDF-1.7 half of a file"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(broken())
    assert files(tmp_path) == []


async def test_a_missing_or_malformed_name_is_not_found(tmp_path: Path) -> None:
    store = LocalDiskStore(tmp_path)
    (tmp_path / "secret.txt").write_text("not a blob")
    for name in ("0" * 64, "../secret.txt", "A" * 64, ""):
        assert not await store.exists(name)
        with pytest.raises(BlobNotFound):
            await store.open(name)


async def test_a_blob_is_read_back_in_chunks(tmp_path: Path) -> None:
    store = LocalDiskStore(tmp_path)
    data = b"x" * (1024 * 1024 + 7)
    stored = await store.put(data)
    parts = [part async for part in await store.open(stored.sha256)]
    assert len(parts) > 1
    assert b"".join(parts) == data
