"""The app's settings: one registry of keys, defaults and types over QSettings.

Only non-secret values live here. The access token is kept in the OS keyring.
A stored value of the wrong type or out of range (for example a hand-edited
settings file) reads back as the setting's default.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings

from .core import schedule

log = logging.getLogger(__name__)

_TRUE_TEXTS = ("true", "1", "yes", "on")
_FALSE_TEXTS = ("false", "0", "no", "off")


@dataclass(frozen=True)
class Setting:
    """One stored value; `minimum` and `maximum` bound a number, inclusive."""

    key: str
    default: Any
    type: type
    minimum: float | None = None
    maximum: float | None = None

    def convert(self, raw: Any) -> Any:
        """Return `raw` (as QSettings returns it, often text) as this setting's type.

        Raises ValueError for a value of another type or out of range.
        """
        if self.type is bool:
            value = _to_bool(raw)
        elif self.type in (int, float):
            value = _to_number(raw, self.type)
            if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
                raise ValueError(f"{value} is outside {self.minimum}..{self.maximum}")
        elif self.type is str:
            if not isinstance(raw, str):
                raise ValueError(f"expected text, got {type(raw).__name__}")
            value = raw
        else:
            raise ValueError(f"unsupported setting type {self.type.__name__}")
        return value


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE_TEXTS:
            return True
        if text in _FALSE_TEXTS:
            return False
    raise ValueError(f"{raw!r} is not true or false")


def _to_number(raw: Any, kind: type) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValueError(f"{raw!r} is not a number")
    value = float(raw)  # Raises ValueError for text that is not a number.
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a finite number")
    if kind is int:
        if not value.is_integer():
            raise ValueError(f"{raw!r} is not a whole number")
        return int(value)
    return value


SERVER_URL = Setting("account/server_url", "", str)
EMAIL = Setting("account/email", "", str)
POLL_INTERVAL = Setting(
    "monitor/poll_interval_seconds", schedule.DEFAULT_INTERVAL, float, schedule.MIN_INTERVAL, schedule.MAX_INTERVAL
)
ALERTS_ENABLED = Setting("alerts/unfamiliar_sign_ins", True, bool)
# Off by default: most sessions end because their owner signed out in a browser or
# they expired, so a notification for each would bury the alerts that matter. An
# intruder's sign-in raises the unfamiliar sign-in alert, and the end of the app's
# own session is always reported.
NOTIFY_ENDED_SESSIONS = Setting("alerts/ended_sessions", False, bool)
START_AT_LOGIN = Setting("startup/start_at_login", False, bool)
START_MINIMIZED = Setting("startup/start_minimized", False, bool)

REGISTRY = (SERVER_URL, EMAIL, POLL_INTERVAL, ALERTS_ENABLED, NOTIFY_ENDED_SESSIONS, START_AT_LOGIN, START_MINIMIZED)


class Settings:
    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store or QSettings()

    def get(self, setting: Setting) -> Any:
        """Return the stored value, or the default when none is stored or it is invalid."""
        raw = self._store.value(setting.key)
        if raw is None:
            return setting.default
        try:
            return setting.convert(raw)
        except ValueError as exc:
            log.warning("Ignoring the stored setting %s (%s); using %r", setting.key, exc, setting.default)
            return setting.default

    def set(self, setting: Setting, value: Any) -> None:
        """Store `value`; raises TypeError for a wrong type and ValueError for a value out of range."""
        if setting.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, setting.type) or (setting.type is not bool and isinstance(value, bool)):
            raise TypeError(f"Setting {setting.key} expects {setting.type.__name__}, got {type(value).__name__}")
        setting.convert(value)
        self._store.setValue(setting.key, value)
        self._store.sync()

    def remove(self, setting: Setting) -> None:
        self._store.remove(setting.key)
        self._store.sync()
