"""Free local ports and waiting for a server to accept connections."""

import random
import socket
import time
from pathlib import Path

# Ports handed out by this process: never twice, though the first may not be listening yet.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port nothing is bound to, below the kernel's ephemeral range and not handed out before by this
    process. The kernel's own choice (bind to port 0) lies inside that range, where any outgoing
    connection may take it as its local port: a server restarted on it later (the soaks kill and
    restart them) then failed to bind, over and over."""
    below = _ephemeral_low()
    for _ in range(1000):
        port = random.randrange(below // 2, below)  # noqa: S311 (not a secret)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free port below {below}")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def wait_for_port(port: int, *, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f} s") from None
            time.sleep(0.05)
