"""When to poll next: the normal interval, back-off after failures, and Retry-After."""

from __future__ import annotations

import random

DEFAULT_INTERVAL = 30.0
MIN_INTERVAL = 10.0
MAX_INTERVAL = 15 * 60.0
MAX_BACKOFF = 5 * 60.0


def clamp_interval(seconds: float) -> float:
    return min(MAX_INTERVAL, max(MIN_INTERVAL, seconds))


def retry_delay(failures: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Return the seconds to wait after `failures` failed polls in a row (1 or more).

    A server's Retry-After is obeyed as given, up to 15 minutes. Otherwise the step
    doubles from 5 s with each failure up to 5 minutes, and the delay is a random
    point in the upper half of the step ("equal jitter"), so many clients that failed
    together do not retry together.
    """
    if retry_after is not None and retry_after >= 0:
        return min(float(retry_after), MAX_INTERVAL)
    rng = rng or random.Random()
    step = min(MAX_BACKOFF, 5.0 * 2 ** max(0, failures - 1))
    return step / 2 + rng.uniform(0, step / 2)
