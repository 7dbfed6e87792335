"""Helpers for the server tests: a controllable clock and an HTTP client with sign-in helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pyotp

from sessions_server.accounts import AccountSecrets
from sessions_server.embedded import EmbeddedServer
from sessions_server.state import ServerState

PASSWORD = "correct horse battery staple"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
)


def server_state(server: EmbeddedServer) -> ServerState:
    """Return the state of a running server, for tests that need its database or password service."""
    return server._state


class FakeClock:
    """Clock that only moves when a test advances it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Api:
    """HTTP client for one server, with helpers that sign in over the real API."""

    server: EmbeddedServer
    client: httpx.Client
    clock: FakeClock

    def create_account(self, email: str, *, enable_2fa: bool = False) -> AccountSecrets:
        return self.server.create_account(email, PASSWORD, enable_2fa=enable_2fa)

    def login(self, email: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
        return self.client.post("/auth/login", json={"email": email, "password": password}, headers=headers)

    def mfa(self, mfa_token: str, code: str, **headers: str) -> httpx.Response:
        return self.client.post("/auth/mfa", json={"mfa_token": mfa_token, "code": code}, headers=headers)

    def totp_code(self, secrets: AccountSecrets, *, steps: int = 0) -> str:
        assert secrets.totp_secret is not None
        return pyotp.TOTP(secrets.totp_secret).at(self.clock.now + timedelta(seconds=30 * steps))

    def sign_in(self, email: str, **headers: str) -> dict[str, Any]:
        """Sign in an account without 2FA and return the authenticated body."""
        response = self.login(email, **headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def get(self, path: str, token: str, **headers: str) -> httpx.Response:
        return self.client.get(path, headers={"Authorization": f"Bearer {token}", **headers})

    def post(self, path: str, token: str, json: Any = None) -> httpx.Response:
        return self.client.post(path, json=json, headers={"Authorization": f"Bearer {token}"})

    def patch(self, path: str, token: str, json: Any) -> httpx.Response:
        return self.client.patch(path, json=json, headers={"Authorization": f"Bearer {token}"})

    def delete(self, path: str, token: str) -> httpx.Response:
        return self.client.delete(path, headers={"Authorization": f"Bearer {token}"})
