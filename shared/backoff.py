"""Exponential backoff with jitter, shared by the relay, the consumers and connection loops."""

import random


def backoff_delay(attempt: int, *, base: float = 0.2, cap: float = 30.0) -> float:
    """Seconds to wait before retry number `attempt` (1-based): doubles up to `cap`, jittered by ±20 %."""
    delay = min(cap, base * 2.0 ** max(0, attempt - 1))
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not cryptography
