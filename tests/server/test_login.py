"""POST /auth/login and POST /auth/logout."""

from __future__ import annotations

import statistics

from tests.server.server_support import PASSWORD, Api


def test_login_without_2fa_authenticates(api: Api) -> None:
    api.create_account("plain@example.com")
    response = api.login("plain@example.com")
    assert response.status_code == 200
    assert response.json()["status"] == "authenticated"


def test_login_returns_bearer_token(api: Api) -> None:
    api.create_account("plain@example.com")
    body = api.login("plain@example.com").json()
    assert body["token_type"] == "bearer"
    assert len(body["access_token"]) >= 43


def test_login_session_is_current(api: Api) -> None:
    api.create_account("plain@example.com")
    session = api.login("plain@example.com").json()["session"]
    assert session["current"] is True
    assert session["status"] == "current"
    assert session["auth_methods"] == ["password"]


def test_login_session_id_is_not_token(api: Api) -> None:
    api.create_account("plain@example.com")
    body = api.login("plain@example.com").json()
    assert body["session"]["id"] not in body["access_token"]


def test_login_timestamps_are_rfc3339_utc(api: Api) -> None:
    api.create_account("plain@example.com")
    session = api.login("plain@example.com").json()["session"]
    assert session["created_at"] == "2026-06-01T12:00:00Z"


def test_login_email_case_insensitive(api: Api) -> None:
    api.create_account("plain@example.com")
    assert api.login("  Plain@Example.COM ").status_code == 200


def test_login_with_2fa_requires_mfa(api: Api) -> None:
    api.create_account("mfa@example.com", enable_2fa=True)
    body = api.login("mfa@example.com").json()
    assert body["status"] == "mfa_required"
    assert body["mfa_methods"] == ["totp", "recovery_code"]
    assert body["expires_in"] == 300
    assert "access_token" not in body


def test_login_with_2fa_creates_no_session_yet(api: Api) -> None:
    api.create_account("mfa@example.com", enable_2fa=True)
    api.create_account("other@example.com")
    api.login("mfa@example.com")
    token = api.sign_in("other@example.com")["access_token"]
    # Only the other account's own session exists; the password step created nothing listable.
    assert len(api.get("/sessions", token).json()["sessions"]) == 1


def test_login_wrong_password(api: Api) -> None:
    api.create_account("plain@example.com")
    response = api.login("plain@example.com", "wrong password")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "invalid_credentials"


def test_login_unknown_email_same_answer(api: Api) -> None:
    api.create_account("plain@example.com")
    wrong_password = api.login("plain@example.com", "wrong password")
    unknown_email = api.login("nobody@example.com", PASSWORD)
    assert unknown_email.status_code == wrong_password.status_code
    assert unknown_email.json() == wrong_password.json()


def test_login_missing_field_is_invalid_request(api: Api) -> None:
    response = api.client.post("/auth/login", json={"email": "plain@example.com"})
    assert response.status_code == 422
    assert response.json()["type"] == "invalid_request"
    assert "password" in response.json()["detail"]


def test_login_malformed_json_is_invalid_request(api: Api) -> None:
    response = api.client.post("/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["type"] == "invalid_request"


def test_login_wrong_types_are_invalid_request(api: Api) -> None:
    response = api.client.post("/auth/login", json={"email": 5, "password": ["x"]})
    assert response.status_code == 422


def test_login_throttled_per_account(api_factory) -> None:
    api: Api = api_factory(throttle_max_failures=3, throttle_window_seconds=60)
    api.create_account("plain@example.com")
    for _ in range(3):
        assert api.login("plain@example.com", "wrong").status_code == 401
    response = api.login("plain@example.com")
    assert response.status_code == 429
    assert response.json()["type"] == "too_many_attempts"
    assert response.headers["retry-after"] == "60"
    assert response.json()["retry_after"] == 60


def test_login_throttle_retry_after_counts_down(api_factory) -> None:
    api: Api = api_factory(throttle_max_failures=2, throttle_window_seconds=60)
    api.create_account("plain@example.com")
    api.login("plain@example.com", "wrong")
    api.clock.advance(seconds=20)
    api.login("plain@example.com", "wrong")
    api.clock.advance(seconds=10)
    # The oldest failure leaves the window 30 s from now.
    assert api.login("plain@example.com").headers["retry-after"] == "30"


def test_login_throttle_releases_after_window(api_factory) -> None:
    api: Api = api_factory(throttle_max_failures=2, throttle_window_seconds=60)
    api.create_account("plain@example.com")
    api.login("plain@example.com", "wrong")
    api.login("plain@example.com", "wrong")
    api.clock.advance(seconds=61)
    assert api.login("plain@example.com").status_code == 200


def test_login_throttled_per_ip(api_factory) -> None:
    api: Api = api_factory(throttle_max_failures=3, throttle_window_seconds=60)
    api.create_account("plain@example.com")
    for n in range(3):
        api.login(f"unknown{n}@example.com", "wrong")
    assert api.login("plain@example.com").status_code == 429


def test_logout_revokes_session(api: Api) -> None:
    api.create_account("plain@example.com")
    token = api.sign_in("plain@example.com")["access_token"]
    assert api.post("/auth/logout", token).status_code == 204
    assert api.get("/account", token).status_code == 401


def test_logout_without_token(api: Api) -> None:
    response = api.client.post("/auth/logout")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_login_unknown_email_same_answer_with_2fa_account(api: Api) -> None:
    api.create_account("mfa@example.com", enable_2fa=True)
    wrong_password = api.login("mfa@example.com", "wrong password")
    unknown_email = api.login("nobody@example.com", "wrong password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert unknown_email.json() == wrong_password.json()
    assert unknown_email.headers["content-type"] == wrong_password.headers["content-type"]


def test_login_unknown_email_same_timing(api_factory) -> None:
    # A moderate Argon2 cost makes hashing dominate the request time, as in production.
    api: Api = api_factory(
        argon2_time_cost=2, argon2_memory_cost_kib=16 * 1024, throttle_max_failures=1000
    )
    api.create_account("plain@example.com")
    api.login("plain@example.com", "warm up")
    wrong_password: list[float] = []
    unknown_email: list[float] = []
    for _ in range(15):
        wrong_password.append(api.login("plain@example.com", "wrong password").elapsed.total_seconds())
        unknown_email.append(api.login("nobody@example.com", "wrong password").elapsed.total_seconds())
    ratio = statistics.median(unknown_email) / statistics.median(wrong_password)
    # Loose bounds: a missing dummy verify would make the unknown email several times faster.
    assert 0.6 < ratio < 1.6, (statistics.median(unknown_email), statistics.median(wrong_password))
