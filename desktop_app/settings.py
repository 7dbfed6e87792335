"""The app's settings: one registry of keys, defaults and types over QSettings.

Only non-secret values live here. The access token is kept in the OS keyring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    type: type


SERVER_URL = Setting("account/server_url", "", str)
EMAIL = Setting("account/email", "", str)
POLL_INTERVAL = Setting("monitor/poll_interval_seconds", 30.0, float)  # 10 s to 15 min

REGISTRY = (SERVER_URL, EMAIL, POLL_INTERVAL)


class Settings:
    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store or QSettings()

    def get(self, setting: Setting) -> Any:
        value = self._store.value(setting.key, setting.default, type=setting.type)
        return setting.default if value is None else value

    def set(self, setting: Setting, value: Any) -> None:
        if setting.type is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, setting.type):
            raise TypeError(f"Setting {setting.key} expects {setting.type.__name__}, got {type(value).__name__}")
        self._store.setValue(setting.key, value)
        self._store.sync()

    def remove(self, setting: Setting) -> None:
        self._store.remove(setting.key)
        self._store.sync()
