"""What GET /v1/rebuild answers of a run (no I/O)."""

from datetime import datetime
from typing import Any

from services.reporting.rebuild.repository import INTERRUPTED


def run_status(row: Any, *, interrupted: bool, now: datetime) -> dict[str, Any]:
    """A run's state, events, rate and progress. An `interrupted` run (still recorded as running while
    no rebuild holds the run lock) is answered as failed by now, as the next rebuild records it."""
    state, error, finished = row.state, row.error, row.finished_at
    if interrupted:
        state, error, finished = "failed", INTERRUPTED, now
    elapsed = ((finished or now) - row.started_at).total_seconds()
    return {
        "run": row.id,
        "state": state,
        "requested_by": row.requested_by,
        "started_at": row.started_at.isoformat(),
        "finished_at": finished and finished.isoformat(),
        "events": row.events,
        "events_per_second": round(row.events / elapsed) if elapsed > 0 else None,
        "progress": row.progress,
        "error": error,
    }
