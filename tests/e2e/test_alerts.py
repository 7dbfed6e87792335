"""Alerts for new sign-ins, against the live server."""

from __future__ import annotations

import json

import httpx

from desktop_app.ui.sessions_model import Column, Role
from desktop_app.ui.tray import TrayState

from .conftest import ANDROID_CHROME, WINDOWS_CHROME
from .test_sign_in_and_sessions import _sign_in

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _poll_until_rows(qtbot, app, rows):
    app.controller.refresh()
    qtbot.waitUntil(lambda: app.window.model.rowCount() == rows, timeout=5000)
    qtbot.waitUntil(lambda: not app.controller.poller.in_flight, timeout=5000)


def _app_with_stranger(qtbot, live_account, launch_app):
    """Sign the app in, then sign in an unfamiliar device; return the app and that session's id."""
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    live_account.sign_in_device(FIREFOX_LINUX, "200.160.2.3")
    _poll_until_rows(qtbot, app, 2)
    stranger = next(s.id for s in app.window.model.sessions() if not s.current)
    return app, stranger


def test_unfamiliar_sign_in_alerts_once(qtbot, live_account, launch_app):
    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)

    live_account.sign_in_device(FIREFOX_LINUX, "200.160.2.3")
    _poll_until_rows(qtbot, app, 3)
    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    _poll_until_rows(qtbot, app, 4)

    assert [title for title, _ in app.controller.monitor.alerts.notifications] == ["New sign-in: Firefox v133 - Linux, Brazil"]


def test_familiar_sign_in_stays_quiet(qtbot, live_account, launch_app):
    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)

    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    _poll_until_rows(qtbot, app, 3)

    assert app.controller.monitor.alerts.notifications == []


def test_baseline_is_silent(qtbot, live_account, launch_app):
    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    live_account.sign_in_device(ANDROID_CHROME, "200.160.2.3")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=3)
    assert app.controller.monitor.alerts.notifications == []


def test_several_new_sign_ins_are_grouped(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)

    live_account.sign_in_device(FIREFOX_LINUX, "200.160.2.3")
    live_account.sign_in_device(ANDROID_CHROME, "81.2.69.160")
    _poll_until_rows(qtbot, app, 3)

    assert [title for title, _ in app.controller.monitor.alerts.notifications] == ["2 new sign-ins"]


def test_unfamiliar_row_marked_until_trusted(qtbot, live_account, launch_app):
    app, stranger = _app_with_stranger(qtbot, live_account, launch_app)

    app.window.sig_trust_requested.emit(stranger)

    assert app.controller.monitor.alerts.pending == ()


def test_trusted_device_stays_quiet(qtbot, live_account, launch_app):
    app, stranger = _app_with_stranger(qtbot, live_account, launch_app)
    app.window.sig_trust_requested.emit(stranger)

    live_account.sign_in_device(FIREFOX_LINUX, "200.160.2.3")
    _poll_until_rows(qtbot, app, 3)

    assert len(app.controller.monitor.alerts.notifications) == 1


def test_notification_click_selects_session(qtbot, live_account, launch_app):
    app, stranger = _app_with_stranger(qtbot, live_account, launch_app)
    shown_ids = []
    app.controller.monitor.alerts.sig_show_session.connect(shown_ids.append)

    app.controller.tray.sig_message_clicked.emit()

    assert shown_ids == [stranger]


def test_spurious_click_without_alert(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    shown_ids = []
    app.controller.monitor.alerts.sig_show_session.connect(shown_ids.append)

    app.controller.tray.sig_message_clicked.emit()

    assert shown_ids == [""]


def test_interval_choice_is_saved(qtbot, live_account, launch_app, settings_path):
    app = launch_app(live_account.url)
    app.window.interval_actions[300.0].trigger()
    assert app.controller.poller.interval == 300.0
    with open(settings_path, encoding="utf-8") as settings_file:
        assert "poll_interval_seconds=300" in settings_file.read()


def test_unfamiliar_row_is_marked(qtbot, live_account, launch_app):
    app, stranger = _app_with_stranger(qtbot, live_account, launch_app)
    row = app.window.model.row_of(stranger)
    assert app.window.model.index(row, 0).data(Role.UNFAMILIAR) is True


def test_dismissed_alert_unmarks_row(qtbot, live_account, launch_app):
    app, stranger = _app_with_stranger(qtbot, live_account, launch_app)
    app.window.sig_acknowledge_requested.emit(stranger)
    row = app.window.model.row_of(stranger)
    assert app.window.model.index(row, 0).data(Role.UNFAMILIAR) is False


def test_signed_out_elsewhere_tray_not_watching(qtbot, live_account, launch_app):
    other_token = live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)
    httpx.post(live_account.url + "/api/v1/sessions/revoke-others", headers={"Authorization": f"Bearer {other_token}"})

    app.controller.refresh()

    qtbot.waitUntil(lambda: app.controller.client is None, timeout=5000)
    assert app.controller.tray.state == TrayState.OFFLINE
    assert not app.controller.tray.revoke_others_action.isEnabled()


def test_damaged_store_reset_is_reported(qtbot, live_account, launch_app, tmp_path):
    first = launch_app(live_account.url)
    _sign_in(qtbot, first, live_account, expected_rows=1)
    first.controller.shutdown()
    for store in (tmp_path / "data" / "known-devices").iterdir():
        store.write_bytes(b"\xff\n")

    second = launch_app()

    qtbot.waitUntil(lambda: "damaged" in second.window.notice_label.text(), timeout=10_000)
    assert second.window.model.rowCount() == 1


def test_removed_selected_row_clears_selection(qtbot, live_account, launch_app):
    app, stranger = _app_with_stranger(qtbot, live_account, launch_app)
    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    _poll_until_rows(qtbot, app, 3)
    app.window.select_session(stranger)

    app.window.sig_revoke_requested.emit(stranger)

    qtbot.waitUntil(lambda: app.window.model.row_of(stranger) is None, timeout=5000)
    qtbot.wait(50)
    assert app.window.selected_session() is None


def _pending_in_store(tmp_path) -> list:
    (store,) = (tmp_path / "data" / "known-devices").glob("*.json")
    return json.loads(store.read_text())["pending_alerts"]


def _restart_with_stranger(qtbot, live_account, launch_app):
    """Quit an app with an unacknowledged alert and start a new one. Return the new app and the session id."""
    first, stranger = _app_with_stranger(qtbot, live_account, launch_app)
    first.controller.shutdown()
    second = launch_app()
    qtbot.waitUntil(lambda: second.window.model.rowCount() == 2, timeout=10_000)
    return second, stranger


def test_alert_survives_restart_row_marked(qtbot, live_account, launch_app):
    app, stranger = _restart_with_stranger(qtbot, live_account, launch_app)
    row = app.window.model.row_of(stranger)
    assert app.window.model.index(row, 0).data(Role.UNFAMILIAR) is True


def test_alert_survives_restart_status(qtbot, live_account, launch_app):
    app, stranger = _restart_with_stranger(qtbot, live_account, launch_app)
    row = app.window.model.row_of(stranger)
    assert app.window.model.index(row, Column.STATUS).data() == "Unfamiliar"


def test_alert_survives_restart_tray_alert(qtbot, live_account, launch_app):
    app, _ = _restart_with_stranger(qtbot, live_account, launch_app)
    assert app.controller.tray.state == TrayState.ALERT


def test_alert_survives_restart_one_reminder(qtbot, live_account, launch_app):
    app, _ = _restart_with_stranger(qtbot, live_account, launch_app)
    assert [title for title, _ in app.controller.monitor.alerts.notifications] == ["1 unfamiliar sign-in still needs your attention"]


def test_dismissed_alert_gone_after_restart(qtbot, live_account, launch_app, tmp_path):
    second, stranger = _restart_with_stranger(qtbot, live_account, launch_app)
    second.window.sig_acknowledge_requested.emit(stranger)
    qtbot.waitUntil(lambda: _pending_in_store(tmp_path) == [], timeout=5000)
    second.controller.shutdown()

    third = launch_app()
    qtbot.waitUntil(lambda: third.window.model.rowCount() == 2, timeout=10_000)

    row = third.window.model.row_of(stranger)
    assert third.window.model.index(row, 0).data(Role.UNFAMILIAR) is False
    assert third.controller.tray.state == TrayState.NORMAL
    assert third.controller.monitor.alerts.notifications == []


def test_trusted_alert_leaves_store(qtbot, live_account, launch_app, tmp_path):
    app, stranger = _app_with_stranger(qtbot, live_account, launch_app)
    app.window.sig_trust_requested.emit(stranger)
    qtbot.waitUntil(lambda: _pending_in_store(tmp_path) == [], timeout=5000)


def test_pending_alert_of_ended_session_dropped(qtbot, live_account, launch_app, tmp_path):
    app, stranger = _app_with_stranger(qtbot, live_account, launch_app)
    app.window.sig_revoke_requested.emit(stranger)
    qtbot.waitUntil(lambda: app.window.model.rowCount() == 1, timeout=5000)
    app.controller.refresh()
    qtbot.waitUntil(lambda: _pending_in_store(tmp_path) == [], timeout=5000)
