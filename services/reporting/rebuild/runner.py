"""Rebuilds started by a request (POST /v1/rebuild) and run by the service's background job."""

import asyncio
import logging
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.readmodels import ReadModel
from services.reporting.rebuild.run import Rebuild
from shared.app import Runtime
from shared.clock import Clock

log = logging.getLogger("motcua.reporting.rebuild")


class Runner:
    """The service's rebuilds (POST /v1/rebuild): started by a request, run by a background job, so
    shutting the service down cancels a rebuild cleanly (marked failed; its copies are dropped by the
    next run)."""

    def __init__(self, models: Callable[[], Sequence[ReadModel]], batch_size: int, clock: Clock) -> None:
        self._models = models
        self._batch_size = batch_size
        self._clock = clock
        self._queue: asyncio.Queue[tuple[Rebuild, AsyncConnection, int]] = asyncio.Queue()
        self._runtime: Runtime | None = None

    async def start(self, requested_by: str) -> int:
        """Take the run lock and queue the rebuild; RebuildBusy when one is running."""
        if self._runtime is None:
            raise RuntimeError("the service is still starting")
        rebuild = Rebuild(
            engine=self._runtime.engine,
            link=self._runtime.link,
            models=self._models(),
            clock=self._clock,
            batch_size=self._batch_size,
        )
        conn, run_id = await rebuild.start(requested_by)
        await self._queue.put((rebuild, conn, run_id))
        return run_id

    async def serve(self, runtime: Runtime) -> None:
        self._runtime = runtime
        while True:
            rebuild, conn, run_id = await self._queue.get()
            try:
                await rebuild.run(conn, run_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("rebuild failed", extra={"run": run_id})
