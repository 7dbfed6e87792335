"""Errors raised by the Sessions API client.

Each error carries a message written for the person using the app: what failed and
what to do next. The hierarchy is drawn here once; callers catch `ApiError` or one of
its subclasses.
"""

from __future__ import annotations


class ApiError(Exception):
    """A request to the Sessions API failed.

    `retry_after` is the server's Retry-After in seconds, when it sent one.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after


class InsecureServerUrl(ApiError):
    """The server URL is not https and not a loopback address, or it is malformed."""


class ConnectionFailed(ApiError):
    """The server could not be reached: refused, DNS failure, network down."""


class RequestTimedOut(ConnectionFailed):
    """The server did not respond within the timeout."""


class TlsFailure(ConnectionFailed):
    """The TLS handshake or certificate verification failed."""


class InvalidCredentials(ApiError):
    """The email or password is wrong."""


class InvalidCode(ApiError):
    """The 2FA or recovery code is wrong."""


class MfaExpired(ApiError):
    """The 2FA step took too long or had too many wrong codes; sign in again."""


class TooManyAttempts(ApiError):
    """The server throttles requests (HTTP 429)."""


class Unauthorized(ApiError):
    """The stored token is no longer valid: the app's session was ended."""


class SessionNotFound(ApiError):
    """The session does not exist any more, or belongs to another account."""


class CurrentSessionRejected(ApiError):
    """The server refuses to end the caller's own session through the sessions list."""


class ServerError(ApiError):
    """The server failed (5xx) or is unavailable."""


class NotSupported(ApiError):
    """The server does not offer the endpoint (HTTP 404 on a fixed route)."""


class InvalidResponse(ApiError):
    """The server's response does not match the API (malformed JSON, wrong shape)."""
