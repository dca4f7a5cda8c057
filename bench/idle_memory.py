"""Resident memory of each service process once started and idle (target: under 150 MB each)."""

import asyncio
import subprocess
import time
from pathlib import Path

from bench.servers import bench_servers, start_service
from shared.services import SERVICES
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port

IDLE_SECONDS = 10


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
                processes[service] = (start_service(servers, service, port), port)
            started = time.monotonic()
            for _, port in processes.values():
                await wait_ready(f"http://127.0.0.1:{port}")
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
