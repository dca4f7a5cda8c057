"""Rate limits key on the client's address: X-Forwarded-For is believed only from the proxies named
in MOTCUA_TRUSTED_PROXIES (none by default), through the real server (uvicorn's proxy handling)."""

import httpx
import pytest

from tests.conftest import Stack
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port

LOOKUPS = 8  # the look-up allows a burst of 5 per client


async def _lookup_answers(stack: Stack, **settings: str) -> list[int]:
    """Status of LOOKUPS look-ups from 127.0.0.1, each claiming another client address."""
    port = free_port()
    process = stack.start_service("intake", port, **settings)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base)
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            return [
                (
                    await client.get(
                        "/v1/lookup",
                        params={"code": "000.00.12.H57-260101-0001", "secret": "ABCDEFGH"},
                        headers={"X-Forwarded-For": f"203.0.113.{n}"},
                    )
                ).status_code
                for n in range(LOOKUPS)
            ]
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.slow
async def test_forwarded_addresses_are_believed_only_from_trusted_proxies(stack: Stack) -> None:
    untrusted = await _lookup_answers(stack)
    assert untrusted.count(429) == LOOKUPS - 5, "a rotated X-Forwarded-For must not reset the limit"

    behind_proxy = await _lookup_answers(stack, trusted_proxies="127.0.0.1")
    assert 429 not in behind_proxy, "behind a trusted proxy each citizen has a limit of their own"
    assert set(behind_proxy) == {404}
