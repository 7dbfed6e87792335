"""Server logs: sign-ins, failures, throttling and revocations are logged with ids and never with secrets."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from tests.server.server_support import PASSWORD, Api

EMAIL = "logged@example.com"
NEW_PASSWORD = "a brand new passphrase"


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """Return the formatted messages of the server's own loggers and uvicorn's."""
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(("sessions_server", "uvicorn"))
    ]
    return "\n".join(lines)


def test_log_never_contains_secrets(api_factory: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api: Api = api_factory(throttle_max_failures=3, throttle_window_seconds=60)
    secrets = api.create_account(EMAIL, enable_2fa=True)
    assert secrets.totp_secret is not None

    mfa_token = api.login(EMAIL).json()["mfa_token"]
    wrong_code = "999999" if api.totp_code(secrets) != "999999" else "888888"
    api.mfa(mfa_token, wrong_code)
    code = api.totp_code(secrets)
    token = api.mfa(mfa_token, code).json()["access_token"]
    recovery_token = api.mfa(api.login(EMAIL).json()["mfa_token"], secrets.recovery_codes[0]).json()["access_token"]
    api.get("/sessions", token)
    api.login(EMAIL, "a wrong password")
    api.login(PASSWORD, PASSWORD)  # a password typed into the email field
    api.post("/account/password", token, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    api.post("/sessions/revoke-others", token)
    api.post("/auth/logout", token)
    for _ in range(3):
        api.login("nobody@example.com", "guess")
    api.login("nobody@example.com", "guess")

    log = server_log(caplog)
    assert "sign-in succeeded" in log
    secret_values = {
        "password": PASSWORD,
        "new password": NEW_PASSWORD,
        "wrong password": "a wrong password",
        "guessed password": "guess",
        "TOTP code": code,
        "wrong TOTP code": wrong_code,
        "TOTP secret": secrets.totp_secret,
        "mfa_token": mfa_token,
        "access token": token,
        "recovery-code token": recovery_token,
    }
    for code_index, recovery_code in enumerate(secrets.recovery_codes):
        secret_values[f"recovery code {code_index}"] = recovery_code
        secret_values[f"compact recovery code {code_index}"] = recovery_code.replace("-", "")
    for name, value in secret_values.items():
        assert value not in log, f"{name} appears in the server log"


def test_log_records_ids_of_events(api_factory: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sessions_server")
    api: Api = api_factory(throttle_max_failures=2, throttle_window_seconds=60)
    api.create_account(EMAIL)
    body = api.sign_in(EMAIL)
    token, session_id = body["access_token"], body["session"]["id"]
    other_id = api.sign_in(EMAIL)["session"]["id"]
    api.delete(f"/sessions/{other_id}", token)
    api.post("/sessions/revoke-others", token)
    api.login(EMAIL, "wrong")
    api.login(EMAIL, "wrong")
    api.login(EMAIL, "wrong")

    log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("sessions_server"))
    assert re.search(rf"sign-in succeeded for account \d+: session {session_id} from 127\.0\.0\.1", log)
    assert re.search(rf"session {other_id} of account \d+ revoked by session {session_id}", log)
    assert re.search(rf"session {session_id} of account \d+ revoked 0 other sessions", log)
    assert re.search(r"sign-in failed for account \d+ \(wrong password\) from 127\.0\.0\.1", log)
    assert "sign-in throttle engaged for account:" in log
