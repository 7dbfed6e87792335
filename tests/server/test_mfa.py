"""POST /auth/mfa: TOTP, recovery codes, token expiry and throttling."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sessions_server.accounts import AccountSecrets
from sessions_server.db import RecoveryCode
from tests.server.server_support import Api, server_state

EMAIL = "mfa@example.com"


@pytest.fixture
def secrets(api: Api) -> AccountSecrets:
    return api.create_account(EMAIL, enable_2fa=True)


def start_login(api: Api) -> str:
    body = api.login(EMAIL).json()
    assert body["status"] == "mfa_required"
    return str(body["mfa_token"])


def test_mfa_current_code_authenticates(api: Api, secrets: AccountSecrets) -> None:
    response = api.mfa(start_login(api), api.totp_code(secrets))
    assert response.status_code == 200
    assert response.json()["status"] == "authenticated"
    assert response.json()["session"]["auth_methods"] == ["password", "totp"]


@pytest.mark.parametrize("steps", [-1, 1])
def test_mfa_adjacent_step_accepted(api: Api, secrets: AccountSecrets, steps: int) -> None:
    response = api.mfa(start_login(api), api.totp_code(secrets, steps=steps))
    assert response.status_code == 200


@pytest.mark.parametrize("steps", [-2, 2])
def test_mfa_step_outside_window_rejected(api: Api, secrets: AccountSecrets, steps: int) -> None:
    response = api.mfa(start_login(api), api.totp_code(secrets, steps=steps))
    assert response.status_code == 401
    assert response.json()["type"] == "invalid_code"


def test_mfa_replayed_code_rejected(api: Api, secrets: AccountSecrets) -> None:
    code = api.totp_code(secrets)
    assert api.mfa(start_login(api), code).status_code == 200
    replay = api.mfa(start_login(api), code)
    assert replay.status_code == 401
    assert replay.json()["type"] == "invalid_code"


def test_mfa_earlier_step_after_later_rejected(api: Api, secrets: AccountSecrets) -> None:
    assert api.mfa(start_login(api), api.totp_code(secrets, steps=1)).status_code == 200
    assert api.mfa(start_login(api), api.totp_code(secrets)).status_code == 401


def test_mfa_next_step_after_current_accepted(api: Api, secrets: AccountSecrets) -> None:
    assert api.mfa(start_login(api), api.totp_code(secrets)).status_code == 200
    assert api.mfa(start_login(api), api.totp_code(secrets, steps=1)).status_code == 200


def test_mfa_code_with_space_accepted(api: Api, secrets: AccountSecrets) -> None:
    code = api.totp_code(secrets)
    assert api.mfa(start_login(api), f"{code[:3]} {code[3:]}").status_code == 200


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "12345a", "１２３４５６", "12-34-56"])
def test_mfa_malformed_code_rejected(api: Api, secrets: AccountSecrets, code: str) -> None:
    response = api.mfa(start_login(api), code)
    assert response.status_code == 401
    assert response.json()["type"] == "invalid_code"


def test_mfa_empty_code_is_invalid_request(api: Api, secrets: AccountSecrets) -> None:
    response = api.mfa(start_login(api), "")
    assert response.status_code == 422
    assert "code" in response.json()["detail"]


def test_mfa_seven_digits_is_invalid_code(api: Api, secrets: AccountSecrets) -> None:
    # Appending a digit to the right code must not pass.
    response = api.mfa(start_login(api), api.totp_code(secrets) + "0")
    assert response.json()["type"] == "invalid_code"


def test_mfa_numeric_code_is_invalid_request(api: Api, secrets: AccountSecrets) -> None:
    response = api.client.post("/auth/mfa", json={"mfa_token": start_login(api), "code": 123456})
    assert response.status_code == 422


def test_recovery_code_authenticates(api: Api, secrets: AccountSecrets) -> None:
    response = api.mfa(start_login(api), secrets.recovery_codes[0])
    assert response.status_code == 200
    assert response.json()["session"]["auth_methods"] == ["password", "recovery_code"]


def test_recovery_code_spelling_tolerated(api: Api, secrets: AccountSecrets) -> None:
    code = secrets.recovery_codes[0].replace("-", " ").upper()
    assert api.mfa(start_login(api), code).status_code == 200


def test_recovery_code_works_once(api: Api, secrets: AccountSecrets) -> None:
    code = secrets.recovery_codes[0]
    assert api.mfa(start_login(api), code).status_code == 200
    second = api.mfa(start_login(api), code)
    assert second.status_code == 401
    assert second.json()["type"] == "invalid_code"


def test_recovery_codes_are_ten_distinct(secrets: AccountSecrets) -> None:
    assert len(set(secrets.recovery_codes)) == 10


def test_mfa_token_single_use(api: Api, secrets: AccountSecrets) -> None:
    token = start_login(api)
    assert api.mfa(token, api.totp_code(secrets)).status_code == 200
    reuse = api.mfa(token, api.totp_code(secrets, steps=1))
    assert reuse.json()["type"] == "mfa_token_expired"


def test_mfa_unknown_token(api: Api, secrets: AccountSecrets) -> None:
    response = api.mfa("no-such-token", api.totp_code(secrets))
    assert response.status_code == 401
    assert response.json()["type"] == "mfa_token_expired"


def test_mfa_token_expires_after_five_minutes(api: Api, secrets: AccountSecrets) -> None:
    token = start_login(api)
    api.clock.advance(seconds=300)
    response = api.mfa(token, api.totp_code(secrets))
    assert response.status_code == 401
    assert response.json()["type"] == "mfa_token_expired"


def test_mfa_token_valid_just_before_expiry(api: Api, secrets: AccountSecrets) -> None:
    token = start_login(api)
    api.clock.advance(seconds=299)
    assert api.mfa(token, api.totp_code(secrets)).status_code == 200


def test_mfa_token_burned_after_five_wrong_codes(api: Api, secrets: AccountSecrets) -> None:
    token = start_login(api)
    for _ in range(5):
        assert api.mfa(token, "000000").json()["type"] == "invalid_code"
    response = api.mfa(token, api.totp_code(secrets))
    assert response.status_code == 401
    assert response.json()["type"] == "mfa_token_expired"


def test_mfa_wrong_code_keeps_token_usable(api: Api, secrets: AccountSecrets) -> None:
    token = start_login(api)
    api.mfa(token, "000000")
    assert api.mfa(token, api.totp_code(secrets)).status_code == 200


def test_mfa_throttled(api_factory) -> None:
    api: Api = api_factory(throttle_max_failures=3, throttle_window_seconds=120)
    secrets = api.create_account(EMAIL, enable_2fa=True)
    tokens = [start_login(api) for _ in range(4)]
    for token in tokens[:3]:
        api.mfa(token, "000000")
    response = api.mfa(tokens[3], api.totp_code(secrets))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "120"
    assert response.json()["retry_after"] == 120


def test_mfa_throttle_blocks_login_too(api_factory) -> None:
    api: Api = api_factory(throttle_max_failures=2, throttle_window_seconds=60)
    api.create_account(EMAIL, enable_2fa=True)
    token = start_login(api)
    api.mfa(token, "000000")
    api.mfa(token, "000000")
    assert api.login(EMAIL).status_code == 429


def test_mfa_replay_rejected_while_still_in_window(api: Api, secrets: AccountSecrets) -> None:
    code = api.totp_code(secrets)
    assert api.mfa(start_login(api), code).status_code == 200
    # Thirty seconds later the code's step is the previous one, still inside the ±1 window.
    api.clock.advance(seconds=30)
    assert api.mfa(start_login(api), code).status_code == 401


def test_mfa_leading_zero_dropped_rejected(api: Api, secrets: AccountSecrets) -> None:
    # Move the clock to a step whose code starts with 0.
    for _ in range(200):
        if api.totp_code(secrets).startswith("0"):
            break
        api.clock.advance(seconds=30)
    code = api.totp_code(secrets)
    assert code.startswith("0")
    dropped = api.mfa(start_login(api), code[1:])
    assert dropped.status_code == 401
    assert dropped.json()["type"] == "invalid_code"
    assert api.mfa(start_login(api), code).status_code == 200


def test_mfa_code_with_letter_rejected(api: Api, secrets: AccountSecrets) -> None:
    code = api.totp_code(secrets)
    assert api.mfa(start_login(api), code[:5] + "O").json()["type"] == "invalid_code"


def test_recovery_code_recorded_in_auth_methods_listing(api: Api, secrets: AccountSecrets) -> None:
    token = api.mfa(start_login(api), secrets.recovery_codes[1]).json()["access_token"]
    assert api.get("/sessions", token).json()["sessions"][0]["auth_methods"] == ["password", "recovery_code"]


def test_recovery_codes_stored_hashed(api: Api, secrets: AccountSecrets) -> None:
    state = server_state(api.server)
    with state.session_factory() as db:
        stored = set(db.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10
    for code in secrets.recovery_codes:
        assert code not in stored
        assert code.replace("-", "") not in stored
