"""Per-credential rate limit: a token bucket per API key, JWT subject or failing client address.

Buckets live in process memory, so each API process limits on its own.
"""

import math
import threading
import time


class RateLimiter:
    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, identity: str) -> float:
        """Take one request from ``identity``'s bucket; return 0, or the seconds to wait when it is empty."""
        now = time.monotonic()
        with self._lock:
            tokens, updated = self._buckets.get(identity, (self.burst, now))
            tokens = min(self.burst, tokens + (now - updated) * self.rate)
            if tokens >= 1:
                self._buckets[identity] = (tokens - 1, now)
                return 0.0
            self._buckets[identity] = (tokens, now)
            if len(self._buckets) > 100_000:
                self._drop_full_buckets(now)
            return (1 - tokens) / self.rate

    def _drop_full_buckets(self, now: float) -> None:
        for identity, (tokens, updated) in list(self._buckets.items()):
            if tokens + (now - updated) * self.rate >= self.burst:
                del self._buckets[identity]


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
