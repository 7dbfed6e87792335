"""The Settings dialog through the app's controller, signed out, with a real autostart folder."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialogButtonBox, QFormLayout, QLabel

from desktop_app.controller import AppController
from desktop_app.core.autostart import APP_ID, XdgAutostart
from desktop_app.core.credentials import TokenStore
from desktop_app.settings import ALERTS_ENABLED, NOTIFY_ENDED_SESSIONS, POLL_INTERVAL, START_AT_LOGIN, START_MINIMIZED
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.sessions_model import SessionsModel
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.ui.worker import TaskRunner

COMMAND = ["/opt/session-guard/bin/session-guard"]


@pytest.fixture
def config_home(tmp_path):
    return tmp_path / "config"


@pytest.fixture
def startup_entry(config_home):
    return XdgAutostart({"XDG_CONFIG_HOME": str(config_home)})


@pytest.fixture
def controller(qtbot, tmp_path, settings, memory_keyring, startup_entry):
    runner = TaskRunner()
    window = MainWindow(SessionsModel())
    qtbot.addWidget(window)
    app = AppController(
        window, runner, settings, TokenStore(memory_keyring), data_dir=tmp_path / "data", startup_entry=startup_entry
    )
    app.settings_controller.launch_command = lambda: COMMAND
    yield app
    app.shutdown()


def _open(controller) -> SettingsDialog:
    controller.window.settings_action.trigger()
    dialog = controller.settings_controller.dialog
    assert dialog is not None
    return dialog


def _press_ok(dialog: SettingsDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def _select(box: QComboBox, value) -> None:
    box.setCurrentIndex(box.findData(value))


# Opening


def test_settings_action_opens_dialog(controller):
    assert _open(controller).isVisible()


def test_settings_action_in_account_menu(controller):
    menu_actions = controller.window.menuBar().actions()[0].menu().actions()
    assert controller.window.settings_action in menu_actions


def test_settings_action_has_shortcut(controller):
    assert controller.window.settings_action.shortcut() != QKeySequence()


def test_second_open_reuses_dialog(controller):
    first = _open(controller)
    assert _open(controller) is first


def test_dialog_shows_stored_values(controller, settings):
    settings.set(ALERTS_ENABLED, False)
    settings.set(START_MINIMIZED, True)
    dialog = _open(controller)
    assert (dialog.alerts_box.isChecked(), dialog.start_minimized_box.isChecked()) == (False, True)


def test_dialog_shows_poll_interval(controller):
    controller.set_poll_interval(300)
    assert _open(controller).interval_box.currentData() == 300.0


def test_dialog_keeps_unlisted_interval(controller):
    controller.set_poll_interval(45)
    assert _open(controller).interval_box.currentText() == "45 seconds"


# Accessibility


def test_every_control_has_accessible_name(controller):
    dialog = _open(controller)
    controls = dialog.findChildren(QComboBox) + dialog.findChildren(QCheckBox)
    assert [control.objectName() for control in controls if not control.accessibleName()] == []


def test_every_field_has_label_or_text(controller):
    dialog = _open(controller)
    unlabelled = []
    for row in range(dialog.form.rowCount()):
        field = dialog.form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
        label_item = dialog.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = label_item.widget() if label_item is not None else None
        has_buddy = isinstance(label, QLabel) and label.buddy() is field
        if not has_buddy and not (isinstance(field, QCheckBox) and field.text()):
            unlabelled.append(field.objectName())
    assert unlabelled == []


# The account row


def test_account_row_hidden_while_signed_out(controller):
    dialog = _open(controller)
    assert not dialog.form.isRowVisible(dialog.ttl_box)


def test_no_account_value_while_signed_out(controller):
    assert _open(controller).session_ttl() is None


# OK applies at once


def test_ok_applies_interval_to_poller(controller):
    dialog = _open(controller)
    _select(dialog.interval_box, 300.0)
    _press_ok(dialog)
    assert controller.poller.interval == 300.0


def test_ok_checks_interval_menu(controller):
    dialog = _open(controller)
    _select(dialog.interval_box, 900.0)
    _press_ok(dialog)
    assert controller.window.interval_actions[900.0].isChecked()


def test_ok_saves_interval(controller, settings):
    dialog = _open(controller)
    _select(dialog.interval_box, 60.0)
    _press_ok(dialog)
    assert settings.get(POLL_INTERVAL) == 60.0


def test_ok_switches_alerts_off(controller):
    dialog = _open(controller)
    dialog.alerts_box.setChecked(False)
    _press_ok(dialog)
    assert controller.monitor.alerts.enabled is False


def test_ok_switches_ended_notifications_on(controller):
    dialog = _open(controller)
    dialog.ended_box.setChecked(True)
    _press_ok(dialog)
    assert controller.monitor.alerts.notify_ended is True


def test_ok_saves_notification_choices(controller, settings):
    dialog = _open(controller)
    dialog.alerts_box.setChecked(False)
    dialog.ended_box.setChecked(True)
    _press_ok(dialog)
    assert (settings.get(ALERTS_ENABLED), settings.get(NOTIFY_ENDED_SESSIONS)) == (False, True)


def test_ok_closes_dialog(controller):
    _press_ok(_open(controller))
    assert controller.settings_controller.dialog is None


def test_cancel_applies_nothing(controller):
    dialog = _open(controller)
    dialog.alerts_box.setChecked(False)
    dialog.reject()
    assert controller.monitor.alerts.enabled is True


def test_stored_alert_choices_applied_at_start(qtbot, tmp_path, settings, memory_keyring, startup_entry):
    settings.set(ALERTS_ENABLED, False)
    window = MainWindow(SessionsModel())
    qtbot.addWidget(window)
    app = AppController(window, TaskRunner(), settings, TokenStore(memory_keyring), data_dir=tmp_path, startup_entry=startup_entry)
    try:
        assert app.monitor.alerts.enabled is False
    finally:
        app.shutdown()


# Start at login


def test_start_at_login_writes_entry(controller, startup_entry):
    dialog = _open(controller)
    dialog.start_at_login_box.setChecked(True)
    _press_ok(dialog)
    assert startup_entry.is_enabled()


def test_start_at_login_entry_in_config_home(controller, config_home):
    dialog = _open(controller)
    dialog.start_at_login_box.setChecked(True)
    _press_ok(dialog)
    assert (config_home / "autostart" / f"{APP_ID}.desktop").is_file()


def test_start_minimized_adds_flag(controller, startup_entry):
    dialog = _open(controller)
    dialog.start_at_login_box.setChecked(True)
    dialog.start_minimized_box.setChecked(True)
    _press_ok(dialog)
    assert "Exec=/opt/session-guard/bin/session-guard --minimized\n" in startup_entry.path.read_text(encoding="utf-8")


def test_start_minimized_change_rewrites_entry(controller, startup_entry):
    startup_entry.enable(COMMAND)
    dialog = _open(controller)
    dialog.start_minimized_box.setChecked(True)
    _press_ok(dialog)
    assert "--minimized" in startup_entry.path.read_text(encoding="utf-8")


def test_checkbox_shows_existing_entry(controller, startup_entry):
    startup_entry.enable(COMMAND)
    assert _open(controller).start_at_login_box.isChecked()


def test_checkbox_ignores_stale_setting(controller, settings):
    settings.set(START_AT_LOGIN, True)
    assert not _open(controller).start_at_login_box.isChecked()


def test_unchecking_removes_entry(controller, startup_entry):
    startup_entry.enable(COMMAND)
    dialog = _open(controller)
    dialog.start_at_login_box.setChecked(False)
    _press_ok(dialog)
    assert not startup_entry.path.exists()


@pytest.fixture
def blocked_autostart_folder(config_home):
    # A file where the autostart folder belongs cannot be written into, even by root.
    config_home.mkdir()
    (config_home / "autostart").write_text("not a folder", encoding="utf-8")


@pytest.mark.usefixtures("blocked_autostart_folder")
def test_unwritable_autostart_shows_error(controller):
    dialog = _open(controller)
    dialog.start_at_login_box.setChecked(True)
    _press_ok(dialog)
    assert "Could not write the start-at-login entry" in dialog.message_label.text()


@pytest.mark.usefixtures("blocked_autostart_folder")
def test_unwritable_autostart_shows_warning_icon(controller):
    dialog = _open(controller)
    dialog.start_at_login_box.setChecked(True)
    _press_ok(dialog)
    assert dialog.error_icon.isVisible()


@pytest.mark.usefixtures("blocked_autostart_folder")
def test_unwritable_autostart_keeps_dialog_open(controller):
    dialog = _open(controller)
    dialog.start_at_login_box.setChecked(True)
    _press_ok(dialog)
    assert dialog.isVisible()


@pytest.mark.usefixtures("blocked_autostart_folder")
def test_unwritable_autostart_unchecks_box(controller):
    dialog = _open(controller)
    dialog.start_at_login_box.setChecked(True)
    _press_ok(dialog)
    assert not dialog.start_at_login_box.isChecked()


@pytest.mark.usefixtures("blocked_autostart_folder")
def test_unwritable_autostart_saves_nothing(controller, settings):
    dialog = _open(controller)
    dialog.start_at_login_box.setChecked(True)
    dialog.alerts_box.setChecked(False)
    _press_ok(dialog)
    assert (settings.get(START_AT_LOGIN), settings.get(ALERTS_ENABLED)) == (False, True)
