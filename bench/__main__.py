"""`make bench` / `python -m bench [NAME ...]`: run benchmarks on real servers and print figures.

Benchmarks measure; they assert nothing about speed. Each starts its own throwaway servers.
"""

import argparse
import asyncio
import importlib
import os

BENCHES = {
    "idle_memory": "each service's resident memory when idle",
    "messaging": "relay publish rate and outbox-to-consumer latency",
    "intake_reception": "dossiers received per second vs pgbench's raw inserts",
    "write_path": "reception and routing actions vs pgbench of their exact transaction, CPU a request",
    "ceiling": "bare FastAPI + asyncpg reception, accept, complete (no relay) vs pgbench of their statements",
    "calendar": "due-date computations per second",
    "deadline_watcher": "watcher cycle time over 1M open dossiers (nothing due, 1,000 due), due dates/s",
    "deadline_consume": "dossier events/s applied from a backlog, one per transaction vs a fetch at a time",
    "intake_import": "historical import lines per second",
    "routing": "agency queue page time at 100k open steps, officers' actions per second",
    "survey": "kiosk and dossier ballots per second, CPU a ballot (many devices, per-device rate limits)",
    "reporting": "processing report latency at 1M and 5M dossiers vs the naive GROUP BY, lag, rebuild rate",
    "province": "5M dossiers, 120 units: receptions over 8 units vs at one, six-month report by unit, memory",
}


def main() -> None:
    # Throwaway servers on loopback: the services they start run as `make run`'s do, not production.
    os.environ.setdefault("MOTCUA_ENVIRONMENT", "development")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], metavar="NAME", help=", ".join(BENCHES))
    args = parser.parse_args()
    for name in args.names or list(BENCHES):
        print(f"\n== {name}: {BENCHES[name]}", flush=True)
        asyncio.run(importlib.import_module(f"bench.{name}").run())


if __name__ == "__main__":
    main()
