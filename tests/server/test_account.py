"""PATCH /account (idle timeout) and POST /account/password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sessions_server.db import Account as AccountRecord
from sessions_server.db import SessionRecord
from tests.server.server_support import PASSWORD, Api, server_state

EMAIL = "owner@example.com"
NEW_PASSWORD = "new correct horse battery"


@pytest.fixture
def owner(api: Api) -> Api:
    api.create_account(EMAIL)
    return api


def sign_in(api: Api) -> tuple[str, str]:
    body = api.sign_in(EMAIL)
    return body["access_token"], body["session"]["id"]


def listed_ids(api: Api, token: str) -> list[str]:
    return [s["id"] for s in api.get("/sessions", token).json()["sessions"]]


@pytest.mark.parametrize("days", [7, 30, 90, 180, 365])
def test_patch_ttl_accepted(owner: Api, days: int) -> None:
    token, _ = sign_in(owner)
    response = owner.patch("/account", token, {"session_ttl_days": days})
    assert response.status_code == 200
    assert response.json() == {"email": EMAIL, "mfa_enabled": False, "session_ttl_days": days}
    assert owner.get("/account", token).json()["session_ttl_days"] == days


@pytest.mark.parametrize("value", [0, 1, 8, 29, 31, 366, -7, "30", 30.5, None, True])
def test_patch_ttl_invalid_value(owner: Api, value: Any) -> None:
    token, _ = sign_in(owner)
    response = owner.patch("/account", token, {"session_ttl_days": value})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "invalid_request"
    assert response.json()["detail"].startswith("session_ttl_days:")
    assert owner.get("/account", token).json()["session_ttl_days"] == 30


@pytest.mark.parametrize("body", [{}, {"session_ttl_days": 30, "email": "x@example.com"}, [], None])
def test_patch_invalid_body(owner: Api, body: Any) -> None:
    token, _ = sign_in(owner)
    response = owner.patch("/account", token, body)
    assert response.status_code == 422
    assert response.json()["type"] == "invalid_request"


def test_patch_requires_token(owner: Api) -> None:
    response = owner.client.patch("/account", json={"session_ttl_days": 7})
    assert response.status_code == 401
    assert response.json()["type"] == "unauthorized"


def test_patch_shorter_ttl_ends_idle_sessions(owner: Api) -> None:
    _, idle_id = sign_in(owner)
    token, _ = sign_in(owner)
    owner.server.backdate_session(idle_id, last_active_at=owner.clock.now - timedelta(days=8))
    assert idle_id in listed_ids(owner, token)
    owner.patch("/account", token, {"session_ttl_days": 7})
    assert idle_id not in listed_ids(owner, token)


def test_patch_longer_ttl_never_revives(owner: Api) -> None:
    idle_token, idle_id = sign_in(owner)
    token, _ = sign_in(owner)
    owner.patch("/account", token, {"session_ttl_days": 7})
    owner.server.backdate_session(idle_id, last_active_at=owner.clock.now - timedelta(days=8))
    assert owner.get("/account", idle_token).status_code == 401

    owner.patch("/account", token, {"session_ttl_days": 365})
    assert owner.get("/account", idle_token).status_code == 401
    assert idle_id not in listed_ids(owner, token)


def test_patch_keeps_live_sessions(owner: Api) -> None:
    other_token, _ = sign_in(owner)
    token, _ = sign_in(owner)
    owner.patch("/account", token, {"session_ttl_days": 7})
    assert owner.get("/account", other_token).status_code == 200


def test_ttl_applies_to_idle_expiry(owner: Api) -> None:
    token, _ = sign_in(owner)
    owner.patch("/account", token, {"session_ttl_days": 7})
    owner.clock.advance(days=7, seconds=1)
    assert owner.get("/account", token).status_code == 401


def test_password_change_revokes_others(owner: Api) -> None:
    other_tokens = [sign_in(owner)[0] for _ in range(3)]
    token, current_id = sign_in(owner)
    response = owner.post(
        "/account/password", token, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert response.json() == {"revoked": 3}
    for other in other_tokens:
        assert owner.get("/account", other).status_code == 401
    assert owner.get("/account", token).status_code == 200
    assert listed_ids(owner, token) == [current_id]


def test_password_change_replaces_hash(owner: Api) -> None:
    token, _ = sign_in(owner)
    state = server_state(owner.server)
    with state.session_factory() as db:
        old_hash = db.scalar(select(AccountRecord.password_hash).where(AccountRecord.email == EMAIL))
    owner.post("/account/password", token, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    with state.session_factory() as db:
        new_hash = db.scalar(select(AccountRecord.password_hash).where(AccountRecord.email == EMAIL))
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in new_hash


def test_password_change_new_password_signs_in(owner: Api) -> None:
    token, _ = sign_in(owner)
    owner.post("/account/password", token, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert owner.login(EMAIL, PASSWORD).status_code == 401
    assert owner.login(EMAIL, NEW_PASSWORD).status_code == 200


def test_password_change_wrong_current(owner: Api) -> None:
    other_token, _ = sign_in(owner)
    token, _ = sign_in(owner)
    response = owner.post("/account/password", token, {"current_password": "wrong", "new_password": NEW_PASSWORD})
    assert response.status_code == 401
    assert response.json()["type"] == "invalid_credentials"
    assert "www-authenticate" not in response.headers
    assert owner.get("/account", token).status_code == 200
    assert owner.get("/account", other_token).status_code == 200
    assert owner.login(EMAIL, PASSWORD).status_code == 200


def test_password_change_wrong_current_throttled(api_factory: Any) -> None:
    api: Api = api_factory(throttle_max_failures=3, throttle_window_seconds=60)
    api.create_account(EMAIL)
    token, _ = sign_in(api)
    wrong = {"current_password": "wrong", "new_password": NEW_PASSWORD}
    assert [api.post("/account/password", token, wrong).status_code for _ in range(3)] == [401, 401, 401]
    blocked = api.post("/account/password", token, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["type"] == "too_many_attempts"
    assert blocked.headers["retry-after"] == "60"
    # The same count blocks password sign-in for the account.
    assert api.login(EMAIL).status_code == 429


@pytest.mark.parametrize("new_password", ["", "short", "1234567"])
def test_password_change_short_new_password(owner: Api, new_password: str) -> None:
    token, _ = sign_in(owner)
    response = owner.post("/account/password", token, {"current_password": PASSWORD, "new_password": new_password})
    assert response.status_code == 422
    assert response.json()["type"] == "invalid_request"
    assert response.json()["detail"].startswith("new_password:")
    assert owner.login(EMAIL, PASSWORD).status_code == 200


def test_password_change_eight_chars_accepted(owner: Api) -> None:
    token, _ = sign_in(owner)
    response = owner.post("/account/password", token, {"current_password": PASSWORD, "new_password": "12345678"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"current_password": PASSWORD},
        {"new_password": NEW_PASSWORD},
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "revoke": False},
        {"current_password": 5, "new_password": NEW_PASSWORD},
    ],
)
def test_password_change_invalid_body(owner: Api, body: dict[str, Any]) -> None:
    token, _ = sign_in(owner)
    response = owner.post("/account/password", token, body)
    assert response.status_code == 422
    assert response.json()["type"] == "invalid_request"


def test_password_change_requires_token(owner: Api) -> None:
    response = owner.client.post(
        "/account/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 401
    assert response.json()["type"] == "unauthorized"


def test_password_change_drops_pending_mfa(api: Api) -> None:
    secrets = api.create_account("mfa@example.com", enable_2fa=True)
    first = api.login("mfa@example.com").json()["mfa_token"]
    token = api.mfa(first, api.totp_code(secrets)).json()["access_token"]
    pending = api.login("mfa@example.com").json()["mfa_token"]
    api.post("/account/password", token, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    response = api.mfa(pending, api.totp_code(secrets, steps=1))
    assert response.status_code == 401
    assert response.json()["type"] == "mfa_token_expired"


def test_password_change_leaves_other_account(owner: Api) -> None:
    owner.create_account("stranger@example.com")
    stranger_token = owner.sign_in("stranger@example.com")["access_token"]
    token, _ = sign_in(owner)
    owner.post("/account/password", token, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert owner.get("/account", stranger_token).status_code == 200
    state = server_state(owner.server)
    with state.session_factory() as db:
        revoked = db.scalars(select(SessionRecord.revoked_at)).all()
    assert revoked.count(None) == 2
