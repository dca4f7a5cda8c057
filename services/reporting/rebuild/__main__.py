"""Rebuild every read model from the command line, while the service keeps answering (`run.py`).

    python -m services.reporting.rebuild          # MOTCUA_DATABASE_URL, MOTCUA_NATS_URL as for the service

Exit status 2 while another rebuild runs.
"""

import argparse
import asyncio
import json
import sys

from services.reporting.app import read_models
from services.reporting.rebuild.run import Rebuild, RebuildBusy, Run
from services.reporting.settings import ReportingSettings
from shared.clock import SystemClock
from shared.db.engine import make_engine
from shared.messaging.connection import NatsLink


def _print_progress(run: Run) -> None:
    parts = ", ".join(f"{s} {p.at}/{p.target}" for s, p in run.streams.items())
    print(
        f"rebuild {run.run_id}: {run.events} events ({run.rate():,.0f}/s) {parts}",
        file=sys.stderr,
        flush=True,
    )


async def main_async(batch_size: int | None) -> int:
    settings = ReportingSettings()
    engine = make_engine(settings.database_url, pool_size=2)
    link = NatsLink(settings.nats_url, name="motcua-reporting-rebuild")
    await link.connect_forever()
    rebuild = Rebuild(
        engine=engine,
        link=link,
        models=read_models(),
        clock=SystemClock(),
        batch_size=batch_size or settings.rebuild_batch_size,
        on_progress=_print_progress,
    )
    try:
        conn, run_id = await rebuild.start("command line")
    except RebuildBusy:
        print("another rebuild is running", file=sys.stderr)
        return 2
    try:
        run = await rebuild.run(conn, run_id)
    finally:
        await link.close()
        await engine.dispose()
    print(json.dumps({"run": run.run_id, "events": run.events, "events_per_second": round(run.rate())}))
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=None, help="events per transaction")
    args = parser.parse_args()
    sys.exit(asyncio.run(main_async(args.batch_size)))


if __name__ == "__main__":
    main()
