"""Resident memory of each service process once started and idle (target: under 150 MB each)."""

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.servers import bench_servers
from shared.devstack.ports import free_port
from shared.services import SERVICES

IDLE_SECONDS = 10
REPO = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run() -> None:
    async with bench_servers() as servers:
        processes: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
        try:
            for service in SERVICES:
                port = free_port()
                env = {
                    **os.environ,
                    "MOTCUA_DATABASE_URL": servers.service_urls[service],
                    "MOTCUA_NATS_URL": servers.nats_url,
                    "MOTCUA_PORT": str(port),
                    "MOTCUA_LOG_LEVEL": "WARNING",
                }
                process = subprocess.Popen(
                    [sys.executable, "-m", "shared.serve", service],
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.DEVNULL,
                )
                processes[service] = (process, port)
            started = time.monotonic()
            async with httpx.AsyncClient(timeout=2) as client:
                for _, port in processes.values():
                    while True:
                        try:
                            if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                                break
                        except httpx.TransportError:
                            pass
                        await asyncio.sleep(0.1)
            print(f"all five ready {time.monotonic() - started:.1f} s after launch; idling {IDLE_SECONDS} s")
            await asyncio.sleep(IDLE_SECONDS)
            print(f"{'service':<10} {'RSS MB':>8}")
            for service, (process, _) in processes.items():
                print(f"{service:<10} {rss_mb(process.pid):>8.1f}")
        finally:
            for process, _ in processes.values():
                process.terminate()
            for process, _ in processes.values():
                process.wait(timeout=20)
