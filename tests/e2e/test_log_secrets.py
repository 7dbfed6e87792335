"""No password, authenticator code or token in the log file, even at DEBUG, against the live server."""

from __future__ import annotations

import logging
import re

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop_app import logs
from desktop_app.ui.sessions_model import Column

from .conftest import ANDROID_CHROME, EMAIL, PASSWORD

# Loggers of the libraries the app and the test server use for HTTP, all forced to DEBUG.
HTTP_LOGGERS = ("httpx", "httpcore", "uvicorn", "uvicorn.access", "uvicorn.error")


@pytest.fixture
def debug_log_file(tmp_path):
    """Log everything at DEBUG to a file, the way `session-guard --debug` does, with the HTTP loggers at DEBUG too."""
    root = logging.getLogger()
    saved = {name: logging.getLogger(name).level for name in ("", *HTTP_LOGGERS)}
    handler = logs.add_file_handler(tmp_path / "log")
    root.setLevel(logging.DEBUG)
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield tmp_path / "log" / logs.LOG_FILE_NAME
    logs.remove_handler(handler)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def _occurs(secret: str, text: str) -> bool:
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text) is not None


def _session_row(window, device_text):
    for row in range(window.proxy.rowCount()):
        if window.proxy.index(row, Column.DEVICE).data() == device_text:
            return row
    raise AssertionError(f"no row shows {device_text!r}")


def test_debug_log_has_no_secrets(qtbot, live_account, launch_app, debug_log_file):
    app = launch_app(live_account.url)
    dialog = app.controller.sign_in_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.email_field.setText(EMAIL)
    dialog.password_field.setText(PASSWORD)
    dialog.ok_button.click()

    qtbot.waitUntil(lambda: app.controller.mfa_dialog is not None and app.controller.mfa_dialog.isVisible())
    code = live_account.totp.now()
    app.controller.mfa_dialog.code_field.setText(code)
    app.controller.mfa_dialog.ok_button.click()
    qtbot.waitUntil(lambda: app.window.model.rowCount() == 1, timeout=10_000)
    token = app.controller.client.token

    # A poll that finds a new device, then the Delete key's confirmation signs it out.
    live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")
    app.window.refresh_action.trigger()
    qtbot.waitUntil(lambda: app.window.model.rowCount() == 2, timeout=10_000)
    app.window.table.setCurrentIndex(app.window.proxy.index(_session_row(app.window, "Chrome v130 - Android"), 0))
    box = app.window.confirm_revoke_selection()
    next(button for button in box.buttons() if box.buttonRole(button) == QMessageBox.ButtonRole.DestructiveRole).click()
    qtbot.waitUntil(lambda: app.window.model.rowCount() == 1, timeout=10_000)

    text = debug_log_file.read_text(encoding="utf-8")
    assert "HTTP Request: DELETE" in text  # httpx logged the requests, so the check below saw them
    found = {name: _occurs(secret, text) for name, secret in (("password", PASSWORD), ("code", code), ("token", token))}
    assert found == {"password": False, "code": False, "token": False}
