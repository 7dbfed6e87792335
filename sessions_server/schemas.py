"""Request and response bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema


def format_timestamp(moment: datetime) -> str:
    """Format as RFC 3339 UTC with second precision, e.g. 2026-12-04T19:46:53Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Timestamp = Annotated[
    datetime,
    PlainSerializer(format_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-12-04T19:46:53Z"]}),
]


# Shortest password accepted when one is set.
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_CHARS = 1024


class RequestBody(BaseModel):
    """Base of request bodies: an unknown member is a 422 invalid_request, so a misspelt field is never ignored."""

    model_config = ConfigDict(extra="forbid")


# Control characters (NUL, which PostgreSQL rejects in text, and line breaks) never
# occur in an email address.
EMAIL_PATTERN = r"^[^\x00-\x1f\x7f]+$"


class LoginRequest(RequestBody):
    email: str = Field(min_length=1, max_length=320, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_CHARS)


class MfaRequest(RequestBody):
    mfa_token: str = Field(min_length=1, max_length=128)
    # A 6-digit TOTP code (spaces allowed) or a recovery code (case, spaces and hyphens ignored).
    code: str = Field(min_length=1, max_length=64)


class Location(BaseModel):
    city: str | None = None
    region: str | None = None
    country_code: str | None = None
    country: str | None = None


class Device(BaseModel):
    browser: str | None = None
    browser_version: str | None = None
    os: str | None = None
    os_version: str | None = None
    device_type: Literal["desktop", "mobile", "tablet", "bot", "unknown"] = "unknown"
    model: str | None = None


class Session(BaseModel):
    id: str
    current: bool
    status: Literal["current", "active", "inactive"]
    created_at: Timestamp
    last_active_at: Timestamp
    ip_address: str | None
    location: Location
    device: Device
    user_agent: str = Field(description="Raw User-Agent, truncated to 512 characters")
    auth_methods: list[Literal["password", "totp", "recovery_code"]]


class SessionList(BaseModel):
    sessions: list[Session]
    server_time: Timestamp


class Authenticated(BaseModel):
    status: Literal["authenticated"] = "authenticated"
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    session: Session


class MfaRequired(BaseModel):
    status: Literal["mfa_required"] = "mfa_required"
    mfa_token: str
    mfa_methods: list[Literal["totp", "recovery_code"]]
    expires_in: int = Field(description="Seconds until mfa_token expires")


LoginResult = Annotated[Authenticated | MfaRequired, Field(discriminator="status")]


class Account(BaseModel):
    email: str
    mfa_enabled: bool
    session_ttl_days: int


class AccountUpdate(RequestBody):
    session_ttl_days: Literal[7, 30, 90, 180, 365] = Field(
        description="Days a session may stay idle before it ends"
    )


class PasswordChange(RequestBody):
    # No minimum on the current password, so a wrong one is a 401 like any failed attempt.
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_CHARS)
    new_password: str = Field(min_length=PASSWORD_MIN_CHARS, max_length=PASSWORD_MAX_CHARS)


class RevokeOthersResult(BaseModel):
    revoked: int


class PasswordChanged(BaseModel):
    revoked: int = Field(description="Number of the account's other sessions that were ended")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="Stable short code, e.g. invalid_credentials")
    title: str
    status: int
    detail: str
    retry_after: int | None = Field(default=None, description="Seconds to wait; only with too_many_attempts")
