"""The API client's handling of server URLs, responses and transport faults.

Faults a real server cannot produce on demand come from httpx.MockTransport.
"""

from __future__ import annotations

import ssl

import httpx
import pytest

from desktop_app.api import errors
from desktop_app.api.client import SessionsClient, normalize_server_url
from desktop_app.api.models import MfaRequired, parse_time

SESSION_JSON = {
    "id": "abc",
    "current": True,
    "status": "current",
    "created_at": "2026-12-04T10:00:00Z",
    "last_active_at": "2026-12-04T11:59:00Z",
    "ip_address": "127.0.0.1",
    "location": {"city": None, "region": None, "country_code": None, "country": None},
    "device": {"browser": "SessionGuard", "browser_version": "0.1.0", "os": "Linux", "os_version": None, "device_type": "desktop", "model": None},
    "user_agent": "SessionGuard/0.1.0 (X11; Linux x86_64)",
    "auth_methods": ["password", "totp"],
}


def _client(handler, token="t0ken") -> SessionsClient:
    return SessionsClient("http://127.0.0.1:9", token, transport=httpx.MockTransport(handler))


def _problem(status: int, code: str, headers=None) -> httpx.Response:
    body = {"type": code, "title": code, "status": status, "detail": code}
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json", **(headers or {})})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://accounts.example.com", "https://accounts.example.com"),
        ("accounts.example.com", "https://accounts.example.com"),
        ("https://accounts.example.com/api/v1/", "https://accounts.example.com"),
        ("http://localhost:8765", "http://localhost:8765"),
        ("http://127.0.0.5:8765", "http://127.0.0.5:8765"),
        ("http://[::1]:8765", "http://[::1]:8765"),
    ],
)
def test_server_url_accepted(text, expected):
    assert normalize_server_url(text) == expected


@pytest.mark.parametrize(
    "text",
    ["http://accounts.example.com", "http://192.168.1.10:8765", "ftp://example.com", "https://", "https://host:99999", "http://localhost.example.com"],
)
def test_server_url_rejected(text):
    with pytest.raises(errors.InsecureServerUrl):
        normalize_server_url(text)


def test_plain_http_rejection_says_why():
    with pytest.raises(errors.InsecureServerUrl, match="unencrypted"):
        normalize_server_url("http://accounts.example.com")


def test_login_mfa_required():
    def handler(request):
        return httpx.Response(200, json={"status": "mfa_required", "mfa_token": "m", "mfa_methods": ["totp", "recovery_code"], "expires_in": 300})

    assert isinstance(_client(handler, None).login("a@example.com", "pw"), MfaRequired)


def test_sends_user_agent_and_bearer():
    seen = {}

    def handler(request):
        seen.update(request.headers)
        return httpx.Response(200, json={"sessions": [SESSION_JSON], "server_time": "2026-12-04T12:00:00Z"}, headers={"ETag": '"e1"'})

    _client(handler).list_sessions()
    assert seen["authorization"] == "Bearer t0ken"
    assert seen["user-agent"].startswith("SessionGuard/")


def test_list_sessions_304_returns_none():
    def handler(request):
        assert request.headers["If-None-Match"] == '"e1"'
        return httpx.Response(304, headers={"ETag": '"e1"'})

    assert _client(handler).list_sessions('"e1"') is None


def test_list_sessions_keeps_etag():
    def handler(request):
        return httpx.Response(200, json={"sessions": [SESSION_JSON], "server_time": "2026-12-04T12:00:00Z"}, headers={"ETag": '"e1"'})

    assert _client(handler).list_sessions().etag == '"e1"'


def _raise(exc):
    def handler(request):
        raise exc

    return handler


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (_raise(httpx.ConnectTimeout("slow")), errors.RequestTimedOut),
        (_raise(httpx.ReadTimeout("slow")), errors.RequestTimedOut),
        (_raise(httpx.ConnectError("refused")), errors.ConnectionFailed),
        (_raise(httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")), errors.TlsFailure),
        (lambda request: httpx.Response(500, text="boom"), errors.ServerError),
        (lambda request: httpx.Response(503, text="busy"), errors.ServerError),
        (lambda request: httpx.Response(200, text="{not json"), errors.InvalidResponse),
        (lambda request: httpx.Response(200, json={"sessions": "nope", "server_time": "2026-12-04T12:00:00Z"}), errors.InvalidResponse),
        (lambda request: httpx.Response(200, json={"sessions": [{**SESSION_JSON, "status": "weird"}], "server_time": "2026-12-04T12:00:00Z"}), errors.InvalidResponse),
        (lambda request: _problem(401, "unauthorized"), errors.Unauthorized),
        (lambda request: _problem(429, "too_many_attempts", {"Retry-After": "30"}), errors.TooManyAttempts),
    ],
)
def test_list_sessions_faults(handler, expected):
    with pytest.raises(expected):
        _client(handler).list_sessions()


def test_tls_error_from_ssl_cause():
    def handler(request):
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed")
        except ssl.SSLError as exc:
            raise httpx.ConnectError("handshake failed") from exc

    with pytest.raises(errors.TlsFailure):
        _client(handler).list_sessions()


def test_too_many_attempts_carries_retry_after():
    client = _client(lambda request: _problem(429, "too_many_attempts", {"Retry-After": "120"}), None)
    with pytest.raises(errors.TooManyAttempts) as caught:
        client.login("a@example.com", "pw")
    assert caught.value.retry_after == 120


def test_too_many_attempts_message_says_when():
    client = _client(lambda request: _problem(429, "too_many_attempts", {"Retry-After": "120"}), None)
    with pytest.raises(errors.TooManyAttempts, match="Try again in 2 minutes"):
        client.login("a@example.com", "pw")


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("invalid_credentials", 401, errors.InvalidCredentials),
        ("invalid_code", 401, errors.InvalidCode),
        ("mfa_token_expired", 401, errors.MfaExpired),
    ],
)
def test_sign_in_errors(code, status, expected):
    client = _client(lambda request: _problem(status, code), None)
    with pytest.raises(expected):
        client.verify_mfa("m", "123456")


def test_revoke_escapes_session_id():
    paths = []

    def handler(request):
        paths.append(request.url.raw_path)
        return httpx.Response(204)

    _client(handler).revoke_session("a/b?c")
    assert paths == [b"/api/v1/sessions/a%2Fb%3Fc"]


def test_authenticated_repr_hides_token():
    def handler(request):
        return httpx.Response(200, json={"status": "authenticated", "access_token": "SECRET-TOKEN", "token_type": "bearer", "session": SESSION_JSON})

    result = _client(handler, None).login("a@example.com", "pw")
    assert "SECRET-TOKEN" not in repr(result)


def test_naive_timestamp_read_as_utc():
    assert parse_time("2026-12-04T12:00:00", "last_active_at").utcoffset().total_seconds() == 0


def test_naive_timestamp_keeps_clock_time():
    assert parse_time("2026-12-04T12:00:00", "last_active_at").hour == 12


def test_garbage_timestamp_rejected():
    with pytest.raises(errors.InvalidResponse):
        parse_time("yesterday", "last_active_at")


def test_offset_timestamp_converted_to_utc():
    assert parse_time("2026-12-04T13:00:00+01:00", "x").hour == 12


def test_request_without_token_is_unauthorized():
    with pytest.raises(errors.Unauthorized):
        _client(lambda request: httpx.Response(200, json={}), None).list_sessions()

