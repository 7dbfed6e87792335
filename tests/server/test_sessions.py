"""GET /sessions, DELETE /sessions/{id}, POST /sessions/revoke-others and GET /account."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sessions_server.schemas import SessionList
from tests.server.server_support import Api

EMAIL = "owner@example.com"


@pytest.fixture
def owner(api: Api) -> Api:
    api.create_account(EMAIL)
    return api


def sign_in(api: Api, email: str = EMAIL) -> tuple[str, str]:
    """Return (access_token, session id) of a new session."""
    body = api.sign_in(email)
    return body["access_token"], body["session"]["id"]


def listed_ids(api: Api, token: str) -> list[str]:
    return [s["id"] for s in api.get("/sessions", token).json()["sessions"]]


def test_list_contains_all_sessions(owner: Api) -> None:
    token, current_id = sign_in(owner)
    _, other_id = sign_in(owner)
    assert sorted(listed_ids(owner, token)) == sorted([current_id, other_id])


def test_list_marks_current_first(owner: Api) -> None:
    sign_in(owner)
    token, current_id = sign_in(owner)
    sessions = owner.get("/sessions", token).json()["sessions"]
    assert sessions[0]["id"] == current_id
    assert sessions[0]["current"] is True
    assert sessions[1]["current"] is False


def test_list_session_fields(owner: Api) -> None:
    token, _ = sign_in(owner)
    session = owner.get("/sessions", token).json()["sessions"][0]
    assert set(session) == {
        "id", "current", "status", "created_at", "last_active_at", "ip_address",
        "location", "device", "user_agent", "auth_methods",
    }


def test_list_body_matches_model_json(owner: Api) -> None:
    sign_in(owner)
    token, _ = sign_in(owner)
    body = owner.get("/sessions", token).content
    assert SessionList.model_validate_json(body).model_dump_json().encode() == body


def test_list_server_time(owner: Api) -> None:
    token, _ = sign_in(owner)
    assert owner.get("/sessions", token).json()["server_time"] == "2026-06-01T12:00:00Z"


def test_list_status_active_and_inactive(owner: Api) -> None:
    _, recent_id = sign_in(owner)
    _, old_id = sign_in(owner)
    token, _ = sign_in(owner)
    now = owner.clock.now
    owner.server.backdate_session(recent_id, last_active_at=now - timedelta(days=6, hours=23))
    owner.server.backdate_session(old_id, last_active_at=now - timedelta(days=7, seconds=1))
    statuses = {s["id"]: s["status"] for s in owner.get("/sessions", token).json()["sessions"]}
    assert statuses[recent_id] == "active"
    assert statuses[old_id] == "inactive"


def test_list_other_account_not_shown(owner: Api) -> None:
    owner.create_account("stranger@example.com")
    _, stranger_id = sign_in(owner, "stranger@example.com")
    token, _ = sign_in(owner)
    assert stranger_id not in listed_ids(owner, token)


def test_list_hides_idle_expired_session(owner: Api) -> None:
    _, idle_id = sign_in(owner)
    token, _ = sign_in(owner)
    owner.server.backdate_session(idle_id, last_active_at=owner.clock.now - timedelta(days=30, seconds=1))
    assert idle_id not in listed_ids(owner, token)


def test_list_hides_session_past_absolute_lifetime(owner: Api) -> None:
    _, old_id = sign_in(owner)
    token, _ = sign_in(owner)
    now = owner.clock.now
    owner.server.backdate_session(old_id, last_active_at=now, created_at=now - timedelta(days=90, seconds=1))
    assert old_id not in listed_ids(owner, token)


def test_idle_expired_token_rejected(owner: Api) -> None:
    token, session_id = sign_in(owner)
    owner.clock.advance(days=30, seconds=1)
    assert owner.get("/account", token).status_code == 401


def test_absolute_lifetime_token_rejected(owner: Api) -> None:
    token, session_id = sign_in(owner)
    now = owner.clock.now
    owner.server.backdate_session(session_id, last_active_at=now, created_at=now - timedelta(days=90, seconds=1))
    assert owner.get("/account", token).status_code == 401


def test_etag_returned(owner: Api) -> None:
    token, _ = sign_in(owner)
    etag = owner.get("/sessions", token).headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')


def test_etag_match_returns_304(owner: Api) -> None:
    token, _ = sign_in(owner)
    etag = owner.get("/sessions", token).headers["etag"]
    response = owner.get("/sessions", token, **{"If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["etag"] == etag
    assert response.content == b""


def test_etag_stable_while_server_time_moves(owner: Api) -> None:
    token, _ = sign_in(owner)
    first = owner.get("/sessions", token)
    owner.clock.advance(seconds=30)
    second = owner.get("/sessions", token)
    assert second.headers["etag"] == first.headers["etag"]
    assert second.json()["server_time"] != first.json()["server_time"]


def test_etag_changes_when_session_revoked(owner: Api) -> None:
    _, other_id = sign_in(owner)
    token, _ = sign_in(owner)
    before = owner.get("/sessions", token).headers["etag"]
    owner.delete(f"/sessions/{other_id}", token)
    response = owner.get("/sessions", token, **{"If-None-Match": before})
    assert response.status_code == 200
    assert response.headers["etag"] != before


def test_etag_mismatch_returns_200(owner: Api) -> None:
    token, _ = sign_in(owner)
    assert owner.get("/sessions", token, **{"If-None-Match": '"stale"'}).status_code == 200


def test_last_active_written_at_most_every_minute(owner: Api) -> None:
    token, _ = sign_in(owner)
    owner.clock.advance(seconds=59)
    assert owner.get("/sessions", token).json()["sessions"][0]["last_active_at"] == "2026-06-01T12:00:00Z"
    owner.clock.advance(seconds=1)
    assert owner.get("/sessions", token).json()["sessions"][0]["last_active_at"] == "2026-06-01T12:01:00Z"


def test_revoked_session_not_reactivated(owner: Api) -> None:
    token, session_id = sign_in(owner)
    other_token, _ = sign_in(owner)
    owner.clock.advance(minutes=2)
    owner.delete(f"/sessions/{session_id}", other_token)
    assert owner.get("/account", token).status_code == 401


def test_delete_session(owner: Api) -> None:
    _, other_id = sign_in(owner)
    token, _ = sign_in(owner)
    assert owner.delete(f"/sessions/{other_id}", token).status_code == 204
    assert other_id not in listed_ids(owner, token)


def test_deleted_session_token_rejected(owner: Api) -> None:
    other_token, other_id = sign_in(owner)
    token, _ = sign_in(owner)
    owner.delete(f"/sessions/{other_id}", token)
    response = owner.get("/sessions", other_token)
    assert response.status_code == 401
    assert response.json()["type"] == "unauthorized"


def test_delete_unknown_session(owner: Api) -> None:
    token, _ = sign_in(owner)
    response = owner.delete("/sessions/does-not-exist", token)
    assert response.status_code == 404
    assert response.json()["type"] == "session_not_found"


def test_delete_already_revoked_session(owner: Api) -> None:
    _, other_id = sign_in(owner)
    token, _ = sign_in(owner)
    owner.delete(f"/sessions/{other_id}", token)
    assert owner.delete(f"/sessions/{other_id}", token).status_code == 404


def test_delete_other_accounts_session(owner: Api) -> None:
    owner.create_account("stranger@example.com")
    stranger_token, stranger_id = sign_in(owner, "stranger@example.com")
    token, _ = sign_in(owner)
    response = owner.delete(f"/sessions/{stranger_id}", token)
    assert response.status_code == 404
    assert response.json()["type"] == "session_not_found"
    assert owner.get("/account", stranger_token).status_code == 200


def test_delete_current_session_conflicts(owner: Api) -> None:
    token, current_id = sign_in(owner)
    response = owner.delete(f"/sessions/{current_id}", token)
    assert response.status_code == 409
    assert response.json()["type"] == "current_session"


def test_revoke_others_keeps_caller(owner: Api) -> None:
    sign_in(owner)
    sign_in(owner)
    token, current_id = sign_in(owner)
    response = owner.post("/sessions/revoke-others", token)
    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    assert listed_ids(owner, token) == [current_id]


def test_revoke_others_leaves_other_account(owner: Api) -> None:
    owner.create_account("stranger@example.com")
    stranger_token, _ = sign_in(owner, "stranger@example.com")
    token, _ = sign_in(owner)
    owner.post("/sessions/revoke-others", token)
    assert owner.get("/account", stranger_token).status_code == 200


def test_revoke_others_with_none(owner: Api) -> None:
    token, _ = sign_in(owner)
    assert owner.post("/sessions/revoke-others", token).json() == {"revoked": 0}


def test_account(owner: Api) -> None:
    token, _ = sign_in(owner)
    assert owner.get("/account", token).json() == {
        "email": EMAIL,
        "mfa_enabled": False,
        "session_ttl_days": 30,
    }


def test_account_with_2fa(api: Api) -> None:
    secrets = api.create_account("mfa@example.com", enable_2fa=True)
    mfa_token = api.login("mfa@example.com").json()["mfa_token"]
    token = api.mfa(mfa_token, api.totp_code(secrets)).json()["access_token"]
    assert api.get("/account", token).json()["mfa_enabled"] is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/account"),
        ("GET", "/sessions"),
        ("DELETE", "/sessions/abc"),
        ("POST", "/sessions/revoke-others"),
        ("POST", "/auth/logout"),
    ],
)
def test_missing_token_unauthorized(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path)
    assert response.status_code == 401
    assert response.json()["type"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer", "bearer " + "x" * 5000, "Bearer \u00e9".encode("latin-1")],
)
def test_invalid_token_unauthorized(api: Api, authorization: str | bytes) -> None:
    response = api.client.get("/sessions", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["type"] == "unauthorized"
