"""In-memory sliding-window limiter for failed sign-in attempts."""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

logger = logging.getLogger(__name__)


class FailureThrottle:
    """Counts failures per key (an account or a client IP) within a sliding window.

    State lives in this process only and is lost on restart.
    """

    def __init__(self, max_failures: int, window_seconds: int, clock: Callable[[], datetime]) -> None:
        self._max_failures = max_failures
        self._window = timedelta(seconds=window_seconds)
        self._clock = clock
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, keys: Iterable[str]) -> int | None:
        """Return the seconds until every key may try again, or None if none is blocked."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                failures = self._prune(key, now)
                if not failures:
                    # Drop idle keys so the table does not grow with every IP ever seen.
                    del self._failures[key]
                    continue
                if len(failures) >= self._max_failures:
                    # The key unblocks once enough of its oldest failures leave the window.
                    unblock_at = failures[len(failures) - self._max_failures] + self._window
                    wait = max(wait, (unblock_at - now).total_seconds())
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record_failure(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                failures = self._prune(key, now)
                failures.append(now)
                if len(failures) == self._max_failures:
                    logger.warning("sign-in throttle engaged for %r", key)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _prune(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures
