"""A real nats-server running the rendered authorization (tools/nats_permissions.py) for some agencies
and the five services, each user with a password of its own, for the tests that log in as them."""

import contextlib
import secrets
import signal
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.devstack.nats import binary
from tools.devstack.ports import free_port, wait_for_port
from tools.nats_permissions import render, users


@dataclass(frozen=True)
class Server:
    url: str
    passwords: dict[str, str]  # NATS user -> password


@contextlib.contextmanager
def authorized_nats(root: Path, agencies: Iterable[str]) -> Iterator[Server]:
    """The server, its files under `root`, until the block ends."""
    agencies = tuple(agencies)
    (root / "agencies.conf").write_text(render(agencies), encoding="utf-8")
    port = free_port()
    (root / "nats.conf").write_text(
        f"listen: 127.0.0.1:{port}\n"
        f'jetstream {{\n  store_dir: "{root / "jetstream"}"\n}}\n'
        "include ./agencies.conf\n",
        encoding="utf-8",
    )
    env: dict[str, str] = {}
    passwords: dict[str, str] = {}
    for user in users(agencies):
        # A leading letter: the server parses the variable's value, and all-digit hex is a number.
        passwords[user.user] = env[user.password_variable] = "p" + secrets.token_hex(16)
    with (root / "nats.log").open("wb") as log:
        process = subprocess.Popen(
            [binary(), "-c", str(root / "nats.conf")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_for_port(port, timeout=30)
        except TimeoutError:
            pytest.fail(f"nats-server did not start:\n{(root / 'nats.log').read_text(errors='replace')}")
        yield Server(f"nats://127.0.0.1:{port}", passwords)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
