"""The desktop app against the real reference server on a free loopback port."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import dataclass  # noqa: E402

import httpx  # noqa: E402
import pyotp  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from desktop_app.api.client import SessionsClient  # noqa: E402
from desktop_app.controller import AppController  # noqa: E402
from desktop_app.core.credentials import TokenStore  # noqa: E402
from desktop_app.settings import Settings  # noqa: E402
from desktop_app.ui.main_window import MainWindow  # noqa: E402
from desktop_app.ui.sessions_model import SessionsModel  # noqa: E402
from desktop_app.ui.worker import TaskRunner  # noqa: E402
from sessions_server.config import ServerConfig  # noqa: E402
from sessions_server.embedded import EmbeddedServer  # noqa: E402
from tests.app.conftest import MemoryKeyring  # noqa: E402

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery staple"

WINDOWS_CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36"


@dataclass
class LiveAccount:
    server: EmbeddedServer
    totp: pyotp.TOTP
    recovery_codes: list[str]

    @property
    def url(self) -> str:
        return self.server.url

    def sign_in_device(self, user_agent: str, ip_address: str) -> str:
        """Sign in from another "device" with a recovery code; return its access token."""
        headers = {"User-Agent": user_agent, "X-Forwarded-For": ip_address}
        with httpx.Client(base_url=self.url + "/api/v1", headers=headers) as http:
            challenge = http.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
            code = self.recovery_codes.pop()
            answer = http.post("/auth/mfa", json={"mfa_token": challenge["mfa_token"], "code": code})
            answer.raise_for_status()
            return answer.json()["access_token"]

    def status_for_token(self, token: str) -> int:
        with httpx.Client(base_url=self.url + "/api/v1") as http:
            return http.get("/sessions", headers={"Authorization": f"Bearer {token}"}).status_code


@pytest.fixture
def live_account(tmp_path):
    config = ServerConfig(
        database_url=f"sqlite:///{tmp_path / 'server.sqlite'}",
        trusted_proxies=["127.0.0.1/32", "::1/128"],
    )
    server = EmbeddedServer(config)
    server.start()
    secrets = server.create_account(EMAIL, PASSWORD, enable_2fa=True)
    yield LiveAccount(server, pyotp.TOTP(secrets.totp_secret), list(secrets.recovery_codes))
    server.stop()


@dataclass
class AppUnderTest:
    window: MainWindow
    controller: AppController
    runner: TaskRunner


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def settings_path(tmp_path):
    return str(tmp_path / "settings.ini")


@pytest.fixture
def launch_app(qtbot, tmp_path, settings_path, keyring_backend):
    """Start the app's window and controller the way `session-guard` does."""
    started: list[AppUnderTest] = []

    def launch(server_url: str | None = None, backend=None, client_factory=SessionsClient) -> AppUnderTest:
        runner = TaskRunner()
        window = MainWindow(SessionsModel())
        qtbot.addWidget(window)
        settings = Settings(QSettings(settings_path, QSettings.Format.IniFormat))
        controller = AppController(
            window,
            runner,
            settings,
            TokenStore(backend or keyring_backend),
            data_dir=tmp_path / "data",
            server_url=server_url,
            client_factory=client_factory,
        )
        window.show()
        controller.start()
        app = AppUnderTest(window, controller, runner)
        started.append(app)
        return app

    yield launch
    for app in started:
        app.controller.shutdown()
