"""The settings registry over a real INI file: types, defaults and invalid stored values."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from desktop_app.settings import (
    ALERTS_ENABLED,
    NOTIFY_ENDED_SESSIONS,
    POLL_INTERVAL,
    REGISTRY,
    START_AT_LOGIN,
    START_MINIMIZED,
    Settings,
)


def _settings_from_ini(tmp_path, text: str) -> Settings:
    path = tmp_path / "settings.ini"
    path.write_text(text, encoding="utf-8")
    return Settings(QSettings(str(path), QSettings.Format.IniFormat))


@pytest.mark.parametrize("setting", REGISTRY, ids=lambda setting: setting.key)
def test_unset_setting_reads_default(settings, setting):
    assert settings.get(setting) == setting.default


@pytest.mark.parametrize("setting", REGISTRY, ids=lambda setting: setting.key)
def test_default_has_declared_type(setting):
    assert type(setting.default) is setting.type


def test_ended_sessions_notification_off_by_default(settings):
    assert settings.get(NOTIFY_ENDED_SESSIONS) is False


@pytest.mark.parametrize("setting", [ALERTS_ENABLED, NOTIFY_ENDED_SESSIONS, START_AT_LOGIN, START_MINIMIZED])
def test_bool_round_trips_through_file(tmp_path, setting):
    path = str(tmp_path / "settings.ini")
    Settings(QSettings(path, QSettings.Format.IniFormat)).set(setting, not setting.default)
    reread = Settings(QSettings(path, QSettings.Format.IniFormat)).get(setting)
    assert reread is (not setting.default)


def test_interval_round_trips_as_float(tmp_path):
    path = str(tmp_path / "settings.ini")
    Settings(QSettings(path, QSettings.Format.IniFormat)).set(POLL_INTERVAL, 300)
    reread = Settings(QSettings(path, QSettings.Format.IniFormat)).get(POLL_INTERVAL)
    assert (type(reread), reread) == (float, 300.0)


@pytest.mark.parametrize("text", ["-5", "abc", "0", "9.5", "901", "1e9", "nan", "inf", "true", ""])
def test_invalid_stored_interval_reads_default(tmp_path, text):
    settings = _settings_from_ini(tmp_path, f"[monitor]\npoll_interval_seconds={text}\n")
    assert settings.get(POLL_INTERVAL) == POLL_INTERVAL.default


def test_interval_list_in_file_reads_default(tmp_path):
    # QSettings reads an unquoted comma-separated value as a list.
    settings = _settings_from_ini(tmp_path, "[monitor]\npoll_interval_seconds=30, 60\n")
    assert settings.get(POLL_INTERVAL) == POLL_INTERVAL.default


@pytest.mark.parametrize("text, expected", [("10", 10.0), ("900", 900.0), (" 45 ", 45.0), ("60.5", 60.5)])
def test_valid_stored_interval_reads_back(tmp_path, text, expected):
    settings = _settings_from_ini(tmp_path, f"[monitor]\npoll_interval_seconds={text}\n")
    assert settings.get(POLL_INTERVAL) == expected


@pytest.mark.parametrize("text", ["maybe", "2", "-1", "@Invalid()", "yes please"])
def test_invalid_stored_bool_reads_default(tmp_path, text):
    settings = _settings_from_ini(tmp_path, f"[alerts]\nunfamiliar_sign_ins={text}\n")
    assert settings.get(ALERTS_ENABLED) is ALERTS_ENABLED.default


@pytest.mark.parametrize("text, expected", [("false", False), ("FALSE", False), ("0", False), ("true", True), ("1", True)])
def test_stored_bool_text_reads_back(tmp_path, text, expected):
    settings = _settings_from_ini(tmp_path, f"[alerts]\nunfamiliar_sign_ins={text}\n")
    assert settings.get(ALERTS_ENABLED) is expected


@pytest.mark.parametrize("value", [5.0, -5, 901, float("nan"), float("inf")])
def test_set_rejects_interval_out_of_range(settings, value):
    with pytest.raises(ValueError):
        settings.set(POLL_INTERVAL, value)


@pytest.mark.parametrize("setting, value", [(POLL_INTERVAL, "30"), (POLL_INTERVAL, True), (ALERTS_ENABLED, 1), (START_MINIMIZED, "true")])
def test_set_rejects_wrong_type(settings, setting, value):
    with pytest.raises(TypeError):
        settings.set(setting, value)


def test_rejected_set_keeps_stored_value(settings):
    settings.set(POLL_INTERVAL, 60.0)
    with pytest.raises(ValueError):
        settings.set(POLL_INTERVAL, -5.0)
    assert settings.get(POLL_INTERVAL) == 60.0
