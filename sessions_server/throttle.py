"""In-memory limiter for failed sign-in attempts: a sliding window with exponential back-off."""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

logger = logging.getLogger(__name__)

# Idle keys are swept from the table after this many recorded failures.
_SWEEP_EVERY_FAILURES = 1024


@dataclass
class _KeyState:
    failures: deque[datetime] = field(default_factory=deque)
    # Number of blocks since the key was last reset or forgotten; each failure past the limit adds one.
    level: int = 0
    blocked_until: datetime | None = None
    last_failure: datetime | None = None


class FailureThrottle:
    """Counts failures per key (an account or a client IP) and blocks keys that fail too often.

    The first block starts when `max_failures` failures fall within the sliding
    window and lasts until the oldest of them leaves it. Each failure after
    that, while the key is still remembered, blocks it again for twice the
    previous block (the window length times 2, 4, 8 ...), capped at
    `max_block_seconds`. A key is forgotten, and gets a fresh window, after
    `forget_after_seconds` without a failure or on `reset`.

    State lives in this process only and is lost on restart.
    """

    def __init__(
        self,
        max_failures: int,
        window_seconds: int,
        clock: Callable[[], datetime],
        *,
        max_block_seconds: int | None = None,
        forget_after_seconds: int | None = None,
    ) -> None:
        self._max_failures = max_failures
        self._window = timedelta(seconds=window_seconds)
        self._max_block = timedelta(seconds=max_block_seconds if max_block_seconds is not None else window_seconds)
        self._forget_after = timedelta(
            seconds=forget_after_seconds if forget_after_seconds is not None else window_seconds
        )
        self._clock = clock
        self._keys: dict[str, _KeyState] = {}
        self._failures_since_sweep = 0
        self._lock = threading.Lock()

    def retry_after(self, keys: Iterable[str]) -> int | None:
        """Return the seconds until every key may try again, or None if none is blocked."""
        now = self._clock()
        wait = timedelta(0)
        with self._lock:
            for key in keys:
                state = self._current(key, now)
                if state is None:
                    continue
                wait = max(wait, self._blocked_for(state, now))
        seconds = wait.total_seconds()
        return max(1, math.ceil(seconds)) if seconds > 0 else None

    def record_failure(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                state = self._current(key, now) or self._keys.setdefault(key, _KeyState())
                state.failures.append(now)
                state.last_failure = now
                if state.level > 0:
                    block = min(self._window * (2**state.level), self._max_block)
                    state.blocked_until = now + block
                    state.level += 1
                    logger.warning("sign-in throttle for %s extended by %d s", key, block.total_seconds())
                elif len(state.failures) >= self._max_failures:
                    state.level = 1
                    logger.warning("sign-in throttle engaged for %s after %d failures", key, len(state.failures))
            self._failures_since_sweep += 1
            if self._failures_since_sweep >= _SWEEP_EVERY_FAILURES:
                self._sweep(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)

    def _current(self, key: str, now: datetime) -> _KeyState | None:
        """Return the key's state with old failures pruned, or None after dropping a key with nothing to remember."""
        state = self._keys.get(key)
        if state is None:
            return None
        while state.failures and state.failures[0] <= now - self._window:
            state.failures.popleft()
        if self._is_forgettable(state, now):
            del self._keys[key]
            return None
        return state

    def _is_forgettable(self, state: _KeyState, now: datetime) -> bool:
        if state.blocked_until is not None and state.blocked_until > now:
            return False
        if state.level == 0:
            return not state.failures
        return state.last_failure is None or now - state.last_failure >= self._forget_after

    def _blocked_for(self, state: _KeyState, now: datetime) -> timedelta:
        wait = timedelta(0)
        if state.blocked_until is not None:
            wait = state.blocked_until - now
        if len(state.failures) >= self._max_failures:
            # The sliding-window block ends once enough of the oldest failures leave the window.
            unblock_at = state.failures[len(state.failures) - self._max_failures] + self._window
            wait = max(wait, unblock_at - now)
        return wait

    def _sweep(self, now: datetime) -> None:
        self._failures_since_sweep = 0
        for key in list(self._keys):
            self._current(key, now)
