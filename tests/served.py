"""An ASGI app behind a real uvicorn server, for tests of what only a server shows (connections, a
browser's view): on a free port, in a thread with its own event loop."""

import contextlib
import threading
from collections.abc import Iterator
from typing import BinaryIO

import uvicorn
from fastapi import FastAPI

from tools.devstack.ports import free_port


@contextlib.contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """`app` behind uvicorn until the block ends; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws="none")
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started:
                break
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped before it started")
            threading.Event().wait(0.05)
        else:
            raise TimeoutError("uvicorn did not start in 30 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def read_response(reader: BinaryIO) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response read off a raw connection (`socket.makefile("rb")`): status, headers (lower-case
    names) and body. Only for answers with a Content-Length, which are all this project sends."""
    status_line = reader.readline()
    assert status_line, "the server closed the connection"
    headers: dict[str, str] = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, body
