"""Fixtures for the desktop app's tests: session records, settings and a test keyring."""

from __future__ import annotations

import os

# Qt widget tests draw offscreen unless the environment sets another platform.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings

from desktop_app.api.models import Device, Location, Session
from desktop_app.settings import Settings

NOW = datetime(2026, 12, 4, 12, 0, 0, tzinfo=timezone.utc)


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in process memory."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def build_session(session_id: str = "s1", **changes) -> Session:
    session = Session(
        id=session_id,
        current=False,
        status="active",
        created_at=NOW - timedelta(days=3),
        last_active_at=NOW - timedelta(hours=2),
        ip_address="49.36.0.1",
        location=Location(city="Mumbai", region="Maharashtra", country_code="IN", country="India"),
        device=Device(browser="Chrome", browser_version="142", os="Windows", device_type="desktop"),
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/142.0.0.0",
        auth_methods=("password", "totp"),
    )
    return replace(session, **changes)


@pytest.fixture
def make_session() -> Callable[..., Session]:
    return build_session
