"""Typed, immutable records of the Sessions API, parsed from its JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .errors import InvalidResponse

DEVICE_TYPES = ("desktop", "mobile", "tablet", "bot", "unknown")
STATUSES = ("current", "active", "inactive")


@dataclass(frozen=True, slots=True)
class Location:
    city: str | None = None
    region: str | None = None
    country_code: str | None = None
    country: str | None = None

    @property
    def is_known(self) -> bool:
        return bool(self.city or self.region or self.country_code or self.country)


@dataclass(frozen=True, slots=True)
class Device:
    browser: str | None = None
    browser_version: str | None = None
    os: str | None = None
    os_version: str | None = None
    device_type: str = "unknown"
    model: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    current: bool
    status: str
    created_at: datetime
    last_active_at: datetime
    ip_address: str
    location: Location
    device: Device
    user_agent: str
    auth_methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SessionList:
    """One response of `GET /sessions`; `etag` is sent back as `If-None-Match`."""

    sessions: tuple[Session, ...]
    server_time: datetime
    etag: str | None


@dataclass(frozen=True, slots=True)
class Account:
    """The signed-in account; `session_ttl_days` is None from a server that does not send it."""

    email: str
    mfa_enabled: bool
    session_ttl_days: int | None


@dataclass(frozen=True, slots=True)
class Authenticated:
    access_token: str = ""
    session: Session | None = None

    def __repr__(self) -> str:
        # The token never appears in a repr, so it cannot leak through a log line.
        return f"Authenticated(session={self.session.id if self.session else None!r})"


@dataclass(frozen=True, slots=True)
class MfaRequired:
    mfa_token: str
    methods: tuple[str, ...]
    expires_in: int

    def __repr__(self) -> str:
        return f"MfaRequired(methods={self.methods!r}, expires_in={self.expires_in})"


def parse_time(value: Any, field: str) -> datetime:
    """Parse an RFC 3339 timestamp into an aware UTC datetime.

    The API sends UTC with a "Z". A timestamp without an offset is read as UTC too,
    never as local time, which would shift every label by the user's UTC offset.
    """
    if not isinstance(value, str):
        raise InvalidResponse(f"The server sent an invalid {field}: expected a timestamp.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidResponse(f"The server sent an invalid {field}: {value[:40]!r}.") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidResponse(f"The server sent an invalid {key}: expected text.")
    return value or None


def _required_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidResponse(f"The server sent a session without a valid {key}.")
    return value


def _object(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidResponse(f"The server sent an invalid {what}: expected an object.")
    return value


def parse_session(data: Any) -> Session:
    data = _object(data, "session")
    location = _object(data.get("location"), "location")
    device = _object(data.get("device"), "device")

    status = data.get("status")
    if status not in STATUSES:
        raise InvalidResponse(f"The server sent an unknown session status: {str(status)[:20]!r}.")
    device_type = device.get("device_type") or "unknown"
    if device_type not in DEVICE_TYPES:
        device_type = "unknown"
    methods = data.get("auth_methods") or []
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise InvalidResponse("The server sent invalid auth_methods: expected a list of text.")

    return Session(
        id=_required_str(data, "id"),
        current=data.get("current") is True,
        status=status,
        created_at=parse_time(data.get("created_at"), "created_at"),
        last_active_at=parse_time(data.get("last_active_at"), "last_active_at"),
        ip_address=_optional_str(data, "ip_address") or "",
        location=Location(
            city=_optional_str(location, "city"),
            region=_optional_str(location, "region"),
            country_code=_optional_str(location, "country_code"),
            country=_optional_str(location, "country"),
        ),
        device=Device(
            browser=_optional_str(device, "browser"),
            browser_version=_optional_str(device, "browser_version"),
            os=_optional_str(device, "os"),
            os_version=_optional_str(device, "os_version"),
            device_type=device_type,
            model=_optional_str(device, "model"),
        ),
        user_agent=_optional_str(data, "user_agent") or "",
        auth_methods=tuple(methods),
    )


def parse_session_list(data: Any, etag: str | None) -> SessionList:
    data = _object(data, "sessions response")
    sessions = data.get("sessions")
    if not isinstance(sessions, list):
        raise InvalidResponse("The server's sessions response has no list of sessions.")
    return SessionList(
        sessions=tuple(parse_session(item) for item in sessions),
        server_time=parse_time(data.get("server_time"), "server_time"),
        etag=etag,
    )


def parse_account(data: Any) -> Account:
    data = _object(data, "account")
    email = data.get("email")
    ttl = data.get("session_ttl_days")
    valid_ttl = ttl is None or (isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0)
    if not isinstance(email, str) or not valid_ttl:
        raise InvalidResponse("The server sent an invalid account record.")
    return Account(email=email, mfa_enabled=data.get("mfa_enabled") is True, session_ttl_days=ttl)
