"""An unexpected error is a problem+json 500 that keeps the client's keep-alive connection: it used to
answer and then re-raise, and uvicorn closes the connection of a request that raised, so the portal's
pooled connection broke with every such answer."""

import json
import socket
from urllib.parse import urlsplit

from fastapi import FastAPI

from shared.errors import install_problem_handlers
from tests.served import read_response, served


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    @app.get("/fine")
    async def fine() -> dict[str, bool]:
        return {"fine": True}

    return app


def test_a_500_is_problem_json_and_the_connection_stays_open() -> None:
    with served(_app()) as base:
        address = urlsplit(base)
        with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
            reader = connection.makefile("rb")
            connection.sendall(b"GET /broken HTTP/1.1\r\nHost: test\r\n\r\n")
            status, headers, body = read_response(reader)
            assert status == 500
            assert headers["content-type"] == "application/problem+json"
            assert headers.get("connection") != "close"
            assert json.loads(body)["code"] == "internal_error"

            connection.sendall(b"GET /fine HTTP/1.1\r\nHost: test\r\n\r\n")  # the same connection
            status, _, body = read_response(reader)
            assert (status, json.loads(body)) == (200, {"fine": True})
