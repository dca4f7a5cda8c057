"""Stopping background tasks for certain."""

import asyncio
from collections.abc import Iterable


async def cancel_and_wait(tasks: Iterable[asyncio.Task[None]], *, recheck_seconds: float = 1.0) -> None:
    """Cancel until every task is done.

    A library awaiting `asyncio.wait_for` on Python 3.11 (nats-py does) can swallow a cancellation
    that arrives as its inner future completes, so one `cancel()` is not always enough; and the
    list may grow meanwhile (start-up adding workers), so it is re-read on every round.
    """
    tasks = tasks if isinstance(tasks, list) else list(tasks)
    while pending := [task for task in tasks if not task.done()]:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=recheck_seconds)
