"""One service as deployed, for benchmarks and tests: `python -m shared.serve <service>` in its own
process(es) on given servers, and a wait until it is ready."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def start_service(
    service: str,
    *,
    database_url: str,
    nats_url: str,
    port: int,
    output: Path | None = None,
    **settings: str,
) -> subprocess.Popen[bytes]:
    """Start `service` on these servers; `settings` are more of its MOTCUA_ settings, e.g.
    `jwt_secret="..."`. Its log (stdout, and stderr) is appended to `output` if given, else discarded
    (stdout) and inherited (stderr). Stop it with `terminate()` and `wait()`."""
    env = {
        **os.environ,
        "MOTCUA_DATABASE_URL": database_url,
        "MOTCUA_NATS_URL": nats_url,
        "MOTCUA_PORT": str(port),
        "MOTCUA_LOG_LEVEL": "WARNING",
        **{f"MOTCUA_{name.upper()}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "shared.serve", service]
    if output is None:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    with output.open("ab") as log:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


async def wait_ready(base: str) -> None:
    """Until the service at `base` answers /readyz with 200."""
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
