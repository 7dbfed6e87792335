"""The Settings dialog of the running app against the live server: the idle timeout and ended sessions."""

from __future__ import annotations

import json

import httpx
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox

from desktop_app.api.client import SessionsClient
from desktop_app.settings import NOTIFY_ENDED_SESSIONS, Settings

from .conftest import ANDROID_CHROME, WINDOWS_CHROME
from .test_alerts import _poll_until_rows
from .test_sign_in_and_sessions import _accept_confirmation, _action, _right_click_row, _sign_in


@pytest.fixture(autouse=True)
def config_home(tmp_path, monkeypatch):
    """Keep the start-at-login entry the dialog reads out of the real home folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _open_settings(app):
    app.window.settings_action.trigger()
    return app.controller.settings_controller.dialog


def _open_with_account_row(qtbot, app):
    dialog = _open_settings(app)
    qtbot.waitUntil(lambda: dialog.form.isRowVisible(dialog.ttl_box), timeout=5000)
    return dialog


def _choose_ttl(dialog, days):
    dialog.ttl_box.setCurrentIndex(dialog.ttl_box.findData(days))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def _server_ttl(live_account, token):
    with httpx.Client(base_url=live_account.url + "/api/v1") as http:
        answer = http.get("/account", headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return answer.json()["session_ttl_days"]


# The idle timeout


def test_dialog_shows_server_ttl(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    assert _open_with_account_row(qtbot, app).session_ttl() == 30


def test_inactivity_choice_saved_on_server(qtbot, live_account, launch_app):
    other_device = live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)

    dialog = _open_with_account_row(qtbot, app)
    _choose_ttl(dialog, 90)
    qtbot.waitUntil(lambda: app.controller.settings_controller.dialog is None, timeout=5000)
    assert _server_ttl(live_account, other_device) == 90


def test_patch_failure_shows_error(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    dialog = _open_with_account_row(qtbot, app)

    live_account.server.stop()
    _choose_ttl(dialog, 7)
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=10_000)
    assert dialog.message_label.text().startswith("Could not change how long idle sessions stay signed in")


def test_patch_failure_keeps_dialog_open(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    dialog = _open_with_account_row(qtbot, app)

    live_account.server.stop()
    _choose_ttl(dialog, 7)
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=10_000)
    assert dialog.isVisible()


def test_unchanged_ttl_sends_no_patch(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    dialog = _open_with_account_row(qtbot, app)

    live_account.server.stop()
    _choose_ttl(dialog, 30)
    assert app.controller.settings_controller.dialog is None


class AccountRouteFault(httpx.BaseTransport):
    """Passes requests to the real server, except that `/account` is missing or lacks session_ttl_days."""

    def __init__(self, fault: str) -> None:
        self.fault = fault
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/v1/account":
            return self._real.handle_request(request)
        if self.fault == "missing route":
            problem = {"type": "not_found", "title": "Not Found", "status": 404, "detail": "No such route."}
            return httpx.Response(404, json=problem, headers={"Content-Type": "application/problem+json"})
        answer = self._real.handle_request(request)
        account = json.loads(answer.read())
        del account["session_ttl_days"]
        return httpx.Response(answer.status_code, json=account)

    def close(self) -> None:
        self._real.close()


@pytest.mark.parametrize("fault", ["missing route", "missing field"])
def test_account_row_hidden_when_unsupported(qtbot, live_account, launch_app, fault):
    transport = AccountRouteFault(fault)
    app = launch_app(live_account.url, client_factory=lambda *args: SessionsClient(*args, transport=transport))
    _sign_in(qtbot, app, live_account, expected_rows=1)

    dialog = _open_settings(app)
    qtbot.waitUntil(lambda: not dialog.message_label.isVisible(), timeout=5000)
    assert not dialog.form.isRowVisible(dialog.ttl_box)


def test_account_row_hidden_after_sign_out(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    app.controller.sign_out()
    qtbot.waitUntil(lambda: app.controller.sign_in_dialog.isVisible(), timeout=5000)
    app.controller.sign_in_dialog.reject()

    dialog = _open_settings(app)
    assert not dialog.form.isRowVisible(dialog.ttl_box)


# Sessions that end elsewhere


@pytest.fixture
def notify_ended(settings_path):
    Settings(QSettings(settings_path, QSettings.Format.IniFormat)).set(NOTIFY_ENDED_SESSIONS, True)


def _log_out_device(live_account, token):
    with httpx.Client(base_url=live_account.url + "/api/v1") as http:
        http.post("/auth/logout", headers={"Authorization": f"Bearer {token}"}).raise_for_status()


@pytest.mark.usefixtures("notify_ended")
def test_session_ended_elsewhere_notifies(qtbot, live_account, launch_app):
    token = live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)

    _log_out_device(live_account, token)
    _poll_until_rows(qtbot, app, 1)
    titles = [title for title, _text in app.controller.monitor.alerts.notifications]
    assert [title.split(",")[0] for title in titles] == ["Session ended: Chrome v130 - Android"]


def test_session_ended_elsewhere_silent_by_default(qtbot, live_account, launch_app):
    token = live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)

    _log_out_device(live_account, token)
    _poll_until_rows(qtbot, app, 1)
    assert app.controller.monitor.alerts.notifications == []


@pytest.mark.usefixtures("notify_ended")
def test_session_signed_out_here_silent(qtbot, live_account, launch_app):
    live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)
    victim = next(session.id for session in app.window.model.sessions() if not session.current)

    _action(_right_click_row(app.window, victim), "signOutSession").trigger()
    _accept_confirmation(app.window)
    qtbot.waitUntil(lambda: app.window.model.row_of(victim) is None, timeout=5000)
    _poll_until_rows(qtbot, app, 1)
    assert app.controller.monitor.alerts.notifications == []
