"""In-process token buckets, one per key (device, IP): abuse limits that need no extra server.

Each replica limits on its own, so N replicas allow N times the rate; that is the intent for
kiosks and look-ups (a ceiling against scripts, not a quota).
"""

import time
from collections import OrderedDict

from shared.errors import Problem


class RateLimiter:
    def __init__(self, *, per_minute: float, burst: int, max_keys: int = 100_000) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_keys = max_keys

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)  # forget the longest-idle key
        return allowed

    def refund(self, key: str) -> None:
        """Give one token back to `key` (a charge taken before the request was judged free); nothing
        if the bucket has been forgotten since."""
        entry = self._buckets.get(key)
        if entry is not None:
            tokens, last = entry
            self._buckets[key] = (min(self._burst, tokens + 1.0), last)

    def check(self, key: str) -> None:
        if not self.allow(key):
            raise Problem(
                429,
                "rate_limited",
                "Too many requests from this device or account; wait a minute and try again.",
                headers={"Retry-After": str(max(1, round(1 / self._rate)))},
            )
