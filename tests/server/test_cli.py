"""The session-guard-server command line."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sessions_server import cli

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_add_user(monkeypatch: pytest.MonkeyPatch, argv: list[str], password: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return cli.main(["add-user", *argv])


def test_add_user_creates_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run_add_user(monkeypatch, ["Alice@Example.com", "--database", url], "s3cret pass") == 0
    assert "Created account alice@example.com." in capsys.readouterr().out


def test_add_user_with_2fa_prints_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    run_add_user(monkeypatch, ["alice@example.com", "--database", url, "--enable-2fa"], "s3cret pass")
    out = capsys.readouterr().out
    assert "TOTP secret: " in out
    assert "otpauth://totp/" in out
    assert "issuer=Session%20Guard" in out
    assert len([line for line in out.splitlines() if line.startswith("  ")]) == 10


def test_add_user_duplicate_email(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    run_add_user(monkeypatch, ["alice@example.com", "--database", url], "first password")
    assert run_add_user(monkeypatch, ["ALICE@example.com", "--database", url], "second password") == 1
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize("password", ["", "short77"])
def test_add_user_short_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, password: str) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run_add_user(monkeypatch, ["alice@example.com", "--database", url], password) == 1
    assert "at least 8 characters" in capsys.readouterr().err


def test_add_user_account_can_sign_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_server) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    run_add_user(monkeypatch, ["alice@example.com", "--database", url], "s3cret pass")
    server = make_server(database_url=url)
    response = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"email": "alice@example.com", "password": "s3cret pass"}
    )
    assert response.json()["status"] == "authenticated"


def test_add_user_subprocess_reads_stdin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "sessions_server", "add-user", "bob@example.com", "--database", url],
        input="pass word\n",
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Created account bob@example.com." in result.stdout


def test_serve_help(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--help"])
    assert exit_info.value.code == 0
    assert "--trusted-proxy CIDR" in capsys.readouterr().out


def test_serve_invalid_cidr(capsys) -> None:
    assert cli.main(["serve", "--trusted-proxy", "10.0.0.0/33"]) == 2
    assert "invalid CIDR '10.0.0.0/33'" in capsys.readouterr().err


def test_serve_missing_geoip_file(tmp_path: Path, capsys) -> None:
    assert cli.main(["serve", "--geoip-db", str(tmp_path / "missing.mmdb")]) == 2
    assert "not found" in capsys.readouterr().err


def test_serve_zero_workers(capsys) -> None:
    assert cli.main(["serve", "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_two_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal
    import time

    url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    run_add_user(monkeypatch, ["alice@example.com", "--database", url], "s3cret pass")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sessions_server", "serve", "--database", url, "--port", str(port), "--workers", "2"],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        token = None
        while token is None and time.monotonic() < deadline:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/api/v1/auth/login",
                    json={"email": "alice@example.com", "password": "s3cret pass"},
                )
                token = response.json()["access_token"]
            except httpx.TransportError:
                time.sleep(0.2)
        # Each new connection may reach either worker, and both must list the same sessions
        # and log the sign-in like a single process does.
        counts = {
            len(httpx.get(f"http://127.0.0.1:{port}/api/v1/sessions", headers={"Authorization": f"Bearer {token}"}).json()["sessions"])
            for _ in range(10)
        }
    finally:
        os.kill(server.pid, signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
    assert counts == {1}
    assert "sessions_server.routes.auth: sign-in succeeded" in errors
    assert "Traceback" not in errors
