"""Sign in through the dialogs, read the table and sign sessions out, against the live server."""

from __future__ import annotations

import httpx
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QContextMenuEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from keyring.backends import fail

from desktop_app.ui.sessions_model import Column, Role

from .conftest import ANDROID_CHROME, EMAIL, PASSWORD, WINDOWS_CHROME


def _fill_sign_in(qtbot, app, email=EMAIL, password=PASSWORD, server=None):
    dialog = app.controller.sign_in_dialog
    qtbot.waitUntil(lambda: dialog.isVisible())
    if server is not None:
        dialog.server_field.setText(server)
    dialog.email_field.setText(email)
    dialog.password_field.setText(password)
    dialog.ok_button.click()
    return dialog


def _enter_code(qtbot, app, code):
    qtbot.waitUntil(lambda: app.controller.mfa_dialog is not None and app.controller.mfa_dialog.isVisible())
    dialog = app.controller.mfa_dialog
    dialog.code_field.setText(code)
    dialog.ok_button.click()
    return dialog


def _sign_in(qtbot, app, live_account, expected_rows):
    _fill_sign_in(qtbot, app)
    _enter_code(qtbot, app, live_account.totp.now())
    qtbot.waitUntil(lambda: app.window.model.rowCount() == expected_rows, timeout=10_000)


def _view_row(window, session_id):
    source_row = window.model.row_of(session_id)
    return window.proxy.mapFromSource(window.model.index(source_row, 0)).row()


def _session_id_for(window, device_text):
    for session in window.model.sessions():
        row = window.model.row_of(session.id)
        if window.model.index(row, Column.DEVICE).data() == device_text:
            return session.id
    raise AssertionError(f"no row shows {device_text!r}")


def _right_click_row(window, session_id):
    index = window.proxy.index(_view_row(window, session_id), Column.DEVICE)
    position = window.table.visualRect(index).center()
    viewport = window.table.viewport()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, position, viewport.mapToGlobal(position))
    QApplication.sendEvent(viewport, event)
    return window.row_menu


def _click_dots_button(window, session_id):
    index = window.proxy.index(_view_row(window, session_id), Column.ACTIONS)
    position = window.table.visualRect(index).center()
    viewport = window.table.viewport()
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
        event = QMouseEvent(kind, position, viewport.mapToGlobal(position), Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
    return window.row_menu


def _action(menu, name):
    return next(action for action in menu.actions() if action.objectName() == name)


def _accept_confirmation(window):
    box = window.confirmation
    accept = next(button for button in box.buttons() if box.buttonRole(button) == QMessageBox.ButtonRole.DestructiveRole)
    accept.click()


def test_sign_in_shows_rows_with_labels(qtbot, live_account, launch_app):
    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=3)

    model = app.window.model
    windows_row = model.row_of(_session_id_for(app.window, "Chrome v142 - Windows"))
    assert model.index(windows_row, Column.LOCATION).data() == "Mumbai, IN - Windows"
    assert model.index(windows_row, Column.LAST_ACTIVE).data() == "Active now"


def test_own_session_is_current_and_first(qtbot, live_account, launch_app):
    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)

    first = app.window.proxy.index(0, Column.DEVICE)
    assert first.data().startswith("SessionGuard v0.1.0 - Linux")
    assert app.window.proxy.index(0, Column.STATUS).data(Role.STATUS) == "Current"


def test_sign_out_one_through_context_menu(qtbot, live_account, launch_app):
    victim_token = live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")
    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=3)
    victim = _session_id_for(app.window, "Chrome v130 - Android")

    menu = _right_click_row(app.window, victim)
    _action(menu, "signOutSession").trigger()
    _accept_confirmation(app.window)

    qtbot.waitUntil(lambda: app.window.model.row_of(victim) is None, timeout=5000)
    assert live_account.status_for_token(victim_token) == 401


def test_cancelled_confirmation_keeps_session(qtbot, live_account, launch_app):
    live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)
    victim = _session_id_for(app.window, "Chrome v130 - Android")

    _action(_right_click_row(app.window, victim), "signOutSession").trigger()
    app.window.confirmation.button(QMessageBox.StandardButton.Cancel).click()
    app.window.sig_refresh_requested.emit()
    qtbot.wait(300)
    assert app.window.model.row_of(victim) is not None


def test_dots_button_opens_same_menu(qtbot, live_account, launch_app):
    live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)
    victim = _session_id_for(app.window, "Chrome v130 - Android")

    context_texts = [action.text() for action in _right_click_row(app.window, victim).actions()]
    app.window.row_menu.close()
    dots_menu = _click_dots_button(app.window, victim)
    assert [action.text() for action in dots_menu.actions()] == context_texts


def test_current_session_menu_says_why(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    own = app.window.model.sessions()[0].id

    menu = _right_click_row(app.window, own)
    assert not _action(menu, "signOutSession").isEnabled()
    assert "Sign out" in _action(menu, "currentSessionReason").text()


def test_sign_out_all_others_from_toolbar(qtbot, live_account, launch_app):
    tokens = [live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1"), live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")]
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=3)

    app.window.revoke_others_action.trigger()
    _accept_confirmation(app.window)

    qtbot.waitUntil(lambda: app.window.model.rowCount() == 1, timeout=5000)
    assert [live_account.status_for_token(token) for token in tokens] == [401, 401]


def test_sign_out_all_others_reports_count(qtbot, live_account, launch_app):
    live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    live_account.sign_in_device(ANDROID_CHROME, "103.5.140.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=3)

    app.window.revoke_others_action.trigger()
    _accept_confirmation(app.window)

    def report_shown():
        boxes = [box for box in app.window.findChildren(QMessageBox) if box.isVisible() and "Signed out 2 other sessions" in box.text()]
        assert boxes

    qtbot.waitUntil(report_shown, timeout=5000)


def test_restart_uses_token_from_keyring(qtbot, live_account, launch_app):
    first = launch_app(live_account.url)
    _sign_in(qtbot, first, live_account, expected_rows=1)
    first.controller.shutdown()

    second = launch_app()
    qtbot.waitUntil(lambda: second.window.model.rowCount() == 1, timeout=10_000)
    assert second.controller.sign_in_dialog is None


def test_keyring_holds_token_not_settings(qtbot, live_account, launch_app, keyring_backend, settings_path):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    qtbot.waitUntil(lambda: len(keyring_backend.secrets) == 1)
    token = next(iter(keyring_backend.secrets.values()))
    with open(settings_path, encoding="utf-8") as settings_file:
        assert token not in settings_file.read()


def test_no_keyring_warns_and_stays_signed_in(qtbot, live_account, launch_app):
    app = launch_app(live_account.url, backend=fail.Keyring())
    _sign_in(qtbot, app, live_account, expected_rows=1)
    qtbot.waitUntil(lambda: "cannot remember" in app.window.notice_label.text(), timeout=5000)
    assert app.controller.client is not None


def test_wrong_password_shows_plain_error(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    dialog = _fill_sign_in(qtbot, app, password="wrong password")
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert dialog.error.text() == "Wrong email or password."


def test_unknown_email_shows_same_error(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    dialog = _fill_sign_in(qtbot, app, email="nobody@example.com")
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert dialog.error.text() == "Wrong email or password."


def test_wrong_code_shows_plain_error(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _fill_sign_in(qtbot, app)
    good = live_account.totp.now()
    dialog = _enter_code(qtbot, app, "000000" if good != "000000" else "111111")
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert dialog.error.text().startswith("Wrong, expired or already used code")


def test_recovery_code_signs_in(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _fill_sign_in(qtbot, app)
    _enter_code(qtbot, app, live_account.recovery_codes.pop())
    qtbot.waitUntil(lambda: app.window.model.rowCount() == 1, timeout=10_000)
    assert app.window.model.sessions()[0].auth_methods == ("password", "recovery_code")


def test_short_code_rejected_before_sending(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _fill_sign_in(qtbot, app)
    dialog = _enter_code(qtbot, app, "12345")
    assert dialog.error.text() == "An authenticator code has exactly 6 digits."


def test_plain_http_to_remote_host_refused(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    dialog = _fill_sign_in(qtbot, app, server="http://accounts.example.com")
    assert "unencrypted" in dialog.error.text()


def test_unreachable_server_says_so(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    dialog = _fill_sign_in(qtbot, app, server="http://127.0.0.1:9")
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert dialog.error.text().startswith("Cannot reach the server")


def test_sign_out_revokes_and_forgets(qtbot, live_account, launch_app, keyring_backend):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    qtbot.waitUntil(lambda: len(keyring_backend.secrets) == 1)
    token = next(iter(keyring_backend.secrets.values()))

    app.window.sign_out_action.trigger()

    qtbot.waitUntil(lambda: not keyring_backend.secrets, timeout=5000)
    assert live_account.status_for_token(token) == 401


def test_own_session_revoked_elsewhere(qtbot, live_account, launch_app, keyring_backend):
    other_token = live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)
    headers = {"Authorization": f"Bearer {other_token}"}
    httpx.post(live_account.url + "/api/v1/sessions/revoke-others", headers=headers).raise_for_status()

    app.window.refresh_action.trigger()

    qtbot.waitUntil(lambda: app.controller.sign_in_dialog.isVisible(), timeout=5000)
    assert "signed out from another device" in app.controller.sign_in_dialog.error.text()




HTML_USER_AGENT = '<img src="/dev/zero"><b>Verified: Session Guard on this computer</b>'


def test_details_show_user_agent_as_text(qtbot, live_account, launch_app):
    live_account.sign_in_device(HTML_USER_AGENT, "49.36.0.1")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=2)
    stranger = next(s.id for s in app.window.model.sessions() if not s.current)

    app.window.select_session(stranger)

    assert app.window.details.value("user_agent") == HTML_USER_AGENT


def test_details_cleared_after_sign_out(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    app.window.select_session(app.window.model.sessions()[0].id)

    app.window.sign_out_action.trigger()

    assert app.window.details.value("id") == ""


def test_quit_without_keyring_ends_session(qtbot, live_account, launch_app):
    app = launch_app(live_account.url, backend=fail.Keyring())
    _sign_in(qtbot, app, live_account, expected_rows=1)
    qtbot.waitUntil(lambda: app.window.notice_label.isVisible(), timeout=5000)
    token = app.controller.client.token

    app.controller.shutdown()

    assert live_account.status_for_token(token) == 401


def test_quit_with_keyring_keeps_session(qtbot, live_account, launch_app, keyring_backend):
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    qtbot.waitUntil(lambda: app.controller.token_stored, timeout=5000)
    token = app.controller.client.token

    app.controller.shutdown()

    assert live_account.status_for_token(token) == 200


def test_email_kept_after_expired_code(qtbot, live_account, launch_app):
    app = launch_app(live_account.url)
    _fill_sign_in(qtbot, app, email="OWNER@example.com")
    wrong_code = "000000" if live_account.totp.now() != "000000" else "111111"
    dialog = _enter_code(qtbot, app, wrong_code)
    # The server burns the challenge after 5 wrong codes; the next code gets "expired".
    for _ in range(5):
        qtbot.waitUntil(lambda: dialog.ok_button.isEnabled() or app.controller.mfa_dialog is None, timeout=5000)
        if app.controller.mfa_dialog is None:
            break
        dialog.code_field.setText(wrong_code)
        dialog.ok_button.click()

    qtbot.waitUntil(lambda: app.controller.sign_in_dialog.isVisible(), timeout=5000)
    assert app.controller.sign_in_dialog.email_field.text() == "OWNER@example.com"
