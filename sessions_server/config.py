"""Server settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


@dataclass
class ServerConfig:
    """Settings for one server instance.

    `clock` returns the current aware UTC time. Tests and the demo replace it
    to move time without sleeping.
    """

    database_url: str = "sqlite:///session-guard-server.sqlite3"
    # None selects the GeoLite2 City file of the maxminddb-geolite2 package.
    geoip_db: Path | None = None
    # CIDR strings of reverse proxies whose X-Forwarded-For header is read.
    trusted_proxies: list[str] = field(default_factory=list)
    active_days: int = 7
    # Idle timeout given to new accounts. Each account stores its own value
    # and may change it with PATCH /account to 7, 30, 90, 180 or 365.
    session_ttl_days: int = 30
    absolute_lifetime_days: int = 90
    # Failed sign-in attempts allowed per account and per client IP within
    # the sliding window before /auth/login and /auth/mfa return 429.
    throttle_max_failures: int = 10
    throttle_window_seconds: int = 15 * 60
    # Each failure after the first block blocks the key again for twice as long
    # (window length times 2, 4, 8 ...), capped at this many seconds.
    throttle_max_block_seconds: int = 60 * 60
    # A blocked key's back-off level is forgotten after this long without a failure.
    throttle_forget_after_seconds: int = 6 * 60 * 60
    mfa_token_ttl_seconds: int = 300
    mfa_max_wrong_codes: int = 5
    # last_active_at is written at most once per this many seconds per session.
    activity_write_interval_seconds: int = 60
    # Seconds between `: heartbeat` comments on an open GET /sessions/events stream.
    # At each, the stream checks whether its own session has ended.
    events_heartbeat_seconds: float = 15
    # Seconds between reads of new events on SQLite, which cannot notify other
    # processes; commits of the same process wake its streams at once.
    events_poll_seconds: float = 0.2
    # Argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4
    clock: Callable[[], datetime] = utc_now
