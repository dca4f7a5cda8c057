"""A round-robin TCP proxy on a service's usual port, in front of its replicas (`make run-cluster`).

It balances connections, not requests, as a Kubernetes Service does: each new connection goes to the
next replica, and to the one after if that one refuses (a replica killed or restarting), so a client
that opens connections keeps being served while one replica is down.
"""

import asyncio
import contextlib
import itertools

LOOPBACK = "127.0.0.1"
CHUNK = 64 * 1024


class RoundRobinProxy:
    def __init__(self, port: int, upstream_ports: list[int]) -> None:
        self.port = port
        self.upstream_ports = upstream_ports
        self._next = itertools.cycle(range(len(upstream_ports)))
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, LOOPBACK, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream = await self._connect()
        if upstream is None:  # every replica refused: the client sees its connection closed
            client_writer.close()
            return
        upstream_reader, upstream_writer = upstream
        await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The next replica that accepts the connection, trying each once."""
        first = next(self._next)
        for offset in range(len(self.upstream_ports)):
            port = self.upstream_ports[(first + offset) % len(self.upstream_ports)]
            with contextlib.suppress(OSError):
                return await asyncio.open_connection(LOOPBACK, port)
        return None


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until one side closes, then close the other: a half-open HTTP connection is of no use."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass  # a reset by either side ends the connection like a close
    finally:
        writer.close()
