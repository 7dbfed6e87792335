"""Blocking httpx client for the Sessions API (v1).

The client is synchronous on purpose: the app calls it from its worker thread, never
from the GUI thread. TLS verification is always on, and plain http is accepted only
for loopback hosts.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import platform
import ssl
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from .. import __version__
from ..i18n import translate
from . import errors
from .models import (
    Account,
    Authenticated,
    MfaRequired,
    SessionList,
    parse_account,
    parse_session,
    parse_session_list,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def _platform_token() -> str:
    system = platform.system()
    if system == "Windows":
        return "Windows NT 10.0; Win64; x64"
    if system == "Darwin":
        return "Macintosh; Intel Mac OS X 10_15_7"
    return f"X11; Linux {platform.machine() or 'x86_64'}"


USER_AGENT = f"SessionGuard/{__version__} ({_platform_token()})"


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_server_url(text: str) -> str:
    """Return the server's base URL (scheme, host, port, no API path).

    Raises `InsecureServerUrl` for a malformed URL or for plain http to a host that
    is not loopback, because the password and the token would cross the network in
    clear text.
    """
    text = text.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        parts.port  # Raises ValueError for a port that is not a number in range.
    except ValueError:
        raise errors.InsecureServerUrl(translate("Errors", "“{text}” is not a valid server address.").format(text=text)) from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise errors.InsecureServerUrl(translate("Errors", "“{text}” is not a valid server address. Use https://host[:port].").format(text=text))
    if parts.scheme == "http" and not is_loopback_host(host):
        raise errors.InsecureServerUrl(
            translate(
                "Errors",
                "Plain http:// is only allowed for this computer (localhost). "
                "Your password and sign-in would travel unencrypted; use an https:// address.",
            )
        )
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, path, "", ""))


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    return "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text


class SessionsClient:
    """One account's connection to a Sessions API server.

    Pass `transport` to inject faults in tests (`httpx.MockTransport`).
    """

    def __init__(
        self,
        server_url: str,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.server_url = normalize_server_url(server_url)
        self._token = token
        self._transport = transport
        self._http = self._new_http_client(timeout, "application/json")

    @property
    def token(self) -> str | None:
        return self._token

    def set_token(self, token: str | None) -> None:
        self._token = token

    def close(self) -> None:
        self._http.close()

    def new_event_stream_http(self, timeout: httpx.Timeout) -> httpx.Client:
        """Return a new HTTP client for the events stream, configured like this one.

        The stream blocks for long, so it gets its own connection pool; the caller
        closes the returned client. The token is not part of it: send it per request
        with `BearerAuth(self.token)`.
        """
        return self._new_http_client(timeout, "text/event-stream")

    def _new_http_client(self, timeout: httpx.Timeout, accept: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.server_url + API_PREFIX,
            timeout=timeout,
            transport=self._transport,
            verify=True,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept": accept},
        )

    def __enter__(self) -> SessionsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Sign-in

    def login(self, email: str, password: str) -> Authenticated | MfaRequired:
        data = self._request_json("POST", "/auth/login", json={"email": email, "password": password}, auth=False)
        return self._sign_in_result(data)

    def verify_mfa(self, mfa_token: str, code: str) -> Authenticated:
        data = self._request_json("POST", "/auth/mfa", json={"mfa_token": mfa_token, "code": code}, auth=False)
        result = self._sign_in_result(data)
        if not isinstance(result, Authenticated):
            raise errors.InvalidResponse("The server asked for 2FA again after a 2FA code.")
        return result

    def logout(self) -> None:
        self._request("POST", "/auth/logout")
        self._token = None

    def get_account(self) -> Account:
        """Return the account; raises NotSupported when the server has no `/account` route."""
        try:
            return parse_account(self._request_json("GET", "/account"))
        except errors.SessionNotFound as exc:
            raise self._not_supported(exc) from None

    def update_account(self, session_ttl_days: int) -> Account:
        """Set the account's idle timeout in days (`PATCH /account`) and return the account."""
        try:
            data = self._request_json("PATCH", "/account", json={"session_ttl_days": session_ttl_days})
        except errors.SessionNotFound as exc:
            raise self._not_supported(exc) from None
        return parse_account(data)

    def _not_supported(self, error: errors.ApiError) -> errors.NotSupported:
        return errors.NotSupported(
            translate("Errors", "The server at {url} does not offer account settings.").format(url=self.server_url),
            status=error.status,
            code=error.code,
        )

    # Sessions

    def list_sessions(self, etag: str | None = None) -> SessionList | None:
        """Return the account's sessions, or None when the server responds 304 to `etag`."""
        headers = {"If-None-Match": etag} if etag else None
        response = self._request("GET", "/sessions", headers=headers)
        if response.status_code == 304:
            return None
        return parse_session_list(self._json(response), response.headers.get("ETag"))

    def revoke_session(self, session_id: str) -> None:
        self._request("DELETE", f"/sessions/{quote(session_id, safe='')}")

    def revoke_other_sessions(self) -> int:
        data = self._request_json("POST", "/sessions/revoke-others")
        revoked = data.get("revoked") if isinstance(data, dict) else None
        if not isinstance(revoked, int):
            raise errors.InvalidResponse("The server's response to “sign out all other sessions” has no count.")
        return revoked

    # Plumbing

    def _sign_in_result(self, data: Any) -> Authenticated | MfaRequired:
        if not isinstance(data, dict):
            raise errors.InvalidResponse("The server's sign-in response is not a JSON object.")
        status = data.get("status")
        if status == "authenticated":
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise errors.InvalidResponse("The server's sign-in response has no access token.")
            self._token = token
            return Authenticated(access_token=token, session=parse_session(data.get("session")))
        if status == "mfa_required":
            mfa_token = data.get("mfa_token")
            if not isinstance(mfa_token, str) or not mfa_token:
                raise errors.InvalidResponse("The server asked for 2FA without a challenge token.")
            methods = data.get("mfa_methods") or ["totp"]
            expires_in = data.get("expires_in") if isinstance(data.get("expires_in"), int) else 300
            return MfaRequired(mfa_token=mfa_token, methods=tuple(str(m) for m in methods), expires_in=expires_in)
        raise errors.InvalidResponse(f"The server sent an unknown sign-in status: {str(status)[:30]!r}.")

    def _request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._json(self._request(method, path, **kwargs))

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise errors.InvalidResponse(translate("Errors", "The server sent a response that is not valid JSON.")) from None

    def _request(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> httpx.Response:
        if auth:
            if not self._token:
                raise errors.Unauthorized(translate("Errors", "Not signed in."), status=401)
            kwargs["auth"] = BearerAuth(self._token)
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            log.warning("%s %s timed out: %s", method, path, type(exc).__name__)
            raise errors.RequestTimedOut(
                translate("Errors", "The server at {url} did not answer in time. Check your connection and try again.").format(
                    url=self.server_url
                )
            ) from None
        except httpx.TransportError as exc:
            log.warning("%s %s failed: %s", method, path, type(exc).__name__)
            if _is_tls_error(exc):
                raise errors.TlsFailure(
                    translate(
                        "Errors",
                        "The secure (https) connection to {url} failed: the certificate could not be verified, "
                        "or the server does not use https. Check the address, and do not continue on an untrusted network.",
                    ).format(url=self.server_url)
                ) from None
            raise errors.ConnectionFailed(
                translate("Errors", "Cannot reach the server at {url}. Check the address and your connection.").format(
                    url=self.server_url
                )
            ) from None
        if response.status_code >= 400:
            raise self._error_for(response)
        if 300 <= response.status_code < 400 and response.status_code != 304:
            # Redirects are not followed, so a credential never goes to an address the user did not enter.
            target = response.headers.get("Location", "")
            raise errors.ApiError(
                translate("Errors", "The server redirects to another address ({target}). Check the server address.").format(
                    target=target[:100] or "?"
                ),
                status=response.status_code,
            )
        return response

    def _error_for(self, response: httpx.Response) -> errors.ApiError:
        status = response.status_code
        problem: dict[str, Any] = {}
        try:
            body = response.json()
            if isinstance(body, dict):
                problem = body
        except ValueError:
            pass
        code = problem.get("type") if isinstance(problem.get("type"), str) else None
        detail = problem.get("detail") if isinstance(problem.get("detail"), str) else None
        log.info("%s %s returned HTTP %s %s", response.request.method, response.request.url.path, status, code)

        if status == 429 or code == "too_many_attempts":
            retry_after = _retry_after(response)
            return errors.TooManyAttempts(
                translate("Errors", "Too many attempts.") + " " + _retry_text(retry_after), retry_after=retry_after, status=status, code=code
            )
        if code == "invalid_credentials":
            return errors.InvalidCredentials(translate("Errors", "Wrong email or password."), status=status, code=code)
        if code == "invalid_code":
            return errors.InvalidCode(translate("Errors", "Wrong, expired or already used code. Enter the current code from your authenticator app, or an unused recovery code."), status=status, code=code)
        if code == "mfa_token_expired":
            return errors.MfaExpired(translate("Errors", "The 2FA step expired or had too many wrong codes. Sign in again."), status=status, code=code)
        if code == "session_not_found" or status == 404:
            return errors.SessionNotFound(translate("Errors", "That session no longer exists; it may have been signed out already."), status=status, code=code)
        if code == "current_session" or status == 409:
            return errors.CurrentSessionRejected(translate("Errors", "This is the session Session Guard uses; end it with Sign out."), status=status, code=code)
        if status == 401:
            return errors.Unauthorized(translate("Errors", "Your Session Guard sign-in has ended. Sign in again."), status=status, code=code)
        if status >= 500:
            return errors.ServerError(
                translate("Errors", "The server had a problem (HTTP {status}). Try again in a moment.").format(status=status),
                status=status,
                code=code,
                retry_after=_retry_after(response),
            )
        return errors.ApiError(detail or translate("Errors", "The server rejected the request (HTTP {status}).").format(status=status), status=status, code=code)


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    if value.isdigit():
        return int(value)
    return None


def _retry_text(seconds: int | None) -> str:
    if seconds is None:
        return translate("Errors", "Wait a few minutes before you try again.")
    if seconds < 90:
        return translate("Errors", "Try again in {seconds} seconds.").format(seconds=seconds)
    return translate("Errors", "Try again in {minutes} minutes.").format(minutes=math.ceil(seconds / 60))
