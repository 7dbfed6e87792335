"""EmbeddedServer lifecycle and the demo server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from sessions_server.accounts import DuplicateEmailError
from sessions_server.config import ServerConfig
from sessions_server.demo import DemoAccount, start_demo_server
from sessions_server.embedded import EmbeddedServer


def test_context_manager_serves(tmp_path: Path) -> None:
    with EmbeddedServer(ServerConfig(database_url=f"sqlite:///{tmp_path / 'e.sqlite3'}")) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{server.url}/openapi.json").status_code == 200


def test_stop_closes_port(tmp_path: Path) -> None:
    server = EmbeddedServer(ServerConfig(database_url=f"sqlite:///{tmp_path / 'e.sqlite3'}"))
    server.start()
    url = server.url
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/openapi.json")


def test_start_twice_rejected(live_server: EmbeddedServer) -> None:
    with pytest.raises(RuntimeError):
        live_server.start()


def test_create_account_duplicate(live_server: EmbeddedServer) -> None:
    live_server.create_account("dup@example.com", "pw", enable_2fa=False)
    with pytest.raises(DuplicateEmailError):
        live_server.create_account("dup@example.com", "pw", enable_2fa=False)


def test_create_account_without_2fa_has_no_secrets(live_server: EmbeddedServer) -> None:
    secrets = live_server.create_account("plain@example.com", "pw", enable_2fa=False)
    assert secrets.totp_secret is None
    assert secrets.recovery_codes == []


def test_backdate_unknown_session(live_server: EmbeddedServer) -> None:
    with pytest.raises(KeyError):
        live_server.backdate_session("missing", last_active_at=datetime.now(UTC))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedServer, DemoAccount, float]]:
    started = time.perf_counter()
    server, account = start_demo_server(tmp_path_factory.mktemp("demo"))
    elapsed = time.perf_counter() - started
    yield server, account, elapsed
    server.stop()


@pytest.fixture(scope="module")
def demo_sessions(demo: tuple[EmbeddedServer, DemoAccount, float]) -> list[dict[str, Any]]:
    server, account, _ = demo
    with httpx.Client(base_url=f"{server.url}/api/v1") as client:
        login = client.post("/auth/login", json={"email": account.email, "password": account.password})
        code = pyotp.TOTP(account.totp_secret).now()
        mfa = client.post("/auth/mfa", json={"mfa_token": login.json()["mfa_token"], "code": code})
        assert mfa.status_code == 200, mfa.text
        token = mfa.json()["access_token"]
        sessions = client.get("/sessions", headers={"Authorization": f"Bearer {token}"}).json()["sessions"]
    return list(sessions)


def test_demo_starts_quickly(demo: tuple[EmbeddedServer, DemoAccount, float]) -> None:
    # Ten sign-ins at argon2-cffi's default cost; measured at about 3 s on a 2-core machine.
    assert demo[2] < 10


def test_demo_keeps_recovery_codes(demo: tuple[EmbeddedServer, DemoAccount, float]) -> None:
    assert len(demo[1].recovery_codes) >= 5


def test_demo_has_other_sessions(demo_sessions: list[dict[str, Any]]) -> None:
    assert len([s for s in demo_sessions if not s["current"]]) >= 7


def test_demo_has_inactive_session(demo_sessions: list[dict[str, Any]]) -> None:
    assert "inactive" in {s["status"] for s in demo_sessions}


def test_demo_locations_resolve(demo_sessions: list[dict[str, Any]]) -> None:
    cities = {s["location"]["city"] for s in demo_sessions}
    assert {"Mumbai", "Cupertino", "Nuremberg", "Sydney", "Lagos", "Tokyo", "Jalna"} <= cities


def test_demo_has_unlocated_public_address(demo_sessions: list[dict[str, Any]]) -> None:
    unlocated = [s for s in demo_sessions if s["location"]["country"] is None and s["ip_address"].startswith("103.")]
    assert len(unlocated) == 1


def test_demo_device_types(demo_sessions: list[dict[str, Any]]) -> None:
    assert {"desktop", "mobile", "tablet"} <= {s["device"]["device_type"] for s in demo_sessions}


def test_demo_uses_recovery_code_once(demo_sessions: list[dict[str, Any]]) -> None:
    methods = [s["auth_methods"] for s in demo_sessions]
    assert methods.count(["password", "recovery_code"]) == 1
