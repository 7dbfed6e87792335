"""Opening the Settings dialog, and saving and applying its values.

The account's idle timeout is read and changed on the worker thread (`TaskRunner`).
The start-at-login entry is a small local file or registry value, so it is written on
the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from .api import errors
from .api.client import SessionsClient
from .api.models import Account
from .core import autostart
from .monitor import error_message
from .settings import ALERTS_ENABLED, NOTIFY_ENDED_SESSIONS, START_AT_LOGIN, START_MINIMIZED
from .ui.settings_dialog import SettingsDialog, SettingsValues

if TYPE_CHECKING:
    from .controller import AppController

log = logging.getLogger(__name__)


class SettingsController(QObject):
    """Owns the open Settings dialog of the app's window, if any."""

    def __init__(
        self,
        app: AppController,
        startup_entry: autostart.Autostart,
        launch_command: Callable[[], Sequence[str]] = autostart.launch_command,
    ) -> None:
        super().__init__(app)
        self.app = app
        self.startup_entry = startup_entry
        self.launch_command = launch_command
        self.dialog: SettingsDialog | None = None
        self._client: SessionsClient | None = None  # the client the dialog's account row belongs to
        self._saved_ttl: int | None = None

    def open(self) -> SettingsDialog:
        """Show the dialog, or raise it when it is already open."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog

        settings = self.app.settings
        values = SettingsValues(
            poll_interval=self.app.poller.interval,
            alerts_enabled=settings.get(ALERTS_ENABLED),
            notify_ended_sessions=settings.get(NOTIFY_ENDED_SESSIONS),
            # The checkbox shows whether the entry exists, whatever was stored.
            start_at_login=self.startup_entry.is_enabled(),
            start_minimized=settings.get(START_MINIMIZED),
        )
        dialog = SettingsDialog(values, self.app.window)
        dialog.sig_submitted.connect(lambda: self._submit(dialog))
        dialog.finished.connect(lambda _result: self._on_closed(dialog))
        self.dialog = dialog
        self._client = self.app.client
        self._saved_ttl = None
        if self._client is not None:
            self._load_account(dialog, self._client)
        dialog.open()
        return dialog

    def _on_closed(self, dialog: SettingsDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
            self._client = None
        dialog.deleteLater()

    # The account's idle timeout

    def _load_account(self, dialog: SettingsDialog, client: SessionsClient) -> None:
        dialog.show_message(self.tr("Reading the account's settings…"))
        self.app.runner.submit(
            client.get_account,
            lambda account: self._on_account_loaded(dialog, account),
            lambda error: self._on_account_failed(dialog, error),
        )

    def _on_account_loaded(self, dialog: SettingsDialog, account: Account) -> None:
        if self.dialog is not dialog:
            return
        self._saved_ttl = account.session_ttl_days
        dialog.show_message("")
        dialog.set_session_ttl(account.session_ttl_days)
        if account.session_ttl_days is None:
            log.info("The server sends no session_ttl_days; the idle timeout is not offered")

    def _on_account_failed(self, dialog: SettingsDialog, error: Exception) -> None:
        if self.dialog is not dialog:
            return
        dialog.set_session_ttl(None)
        if isinstance(error, errors.NotSupported):
            log.info("The server has no /account route; the idle timeout is not offered")
            dialog.show_message("")
            return
        log.warning("Reading the account failed: %s", error)
        dialog.show_error(self.tr("Could not read the account's settings: %1").replace("%1", error_message(error)))

    # OK

    def _submit(self, dialog: SettingsDialog) -> None:
        """Change the idle timeout on the server first, then finish locally.

        A server change that succeeded stays when the start-at-login entry then fails,
        and the dialog takes it as the saved value.
        """
        ttl = dialog.session_ttl()
        client = self._client
        if ttl is None or ttl == self._saved_ttl or client is None:
            self._finish(dialog)
            return
        if client is not self.app.client:
            # The app signed out, or in again, while the dialog was open.
            dialog.set_session_ttl(None)
            dialog.show_error(self.tr("Session Guard signed out, so the account's settings were not changed."))
            return
        log.info("Setting the account's idle timeout to %d days", ttl)
        dialog.set_busy(True)
        self.app.runner.submit(
            lambda: client.update_account(ttl),
            lambda account: self._on_account_saved(dialog, account),
            lambda error: self._on_account_save_failed(dialog, error),
        )

    def _on_account_saved(self, dialog: SettingsDialog, account: Account) -> None:
        if self.dialog is not dialog:
            return
        self._saved_ttl = account.session_ttl_days
        dialog.set_busy(False)
        dialog.show_message("")
        self._finish(dialog)

    def _on_account_save_failed(self, dialog: SettingsDialog, error: Exception) -> None:
        if self.dialog is not dialog:
            return
        log.warning("Changing the account's idle timeout failed: %s", error)
        dialog.set_busy(False)
        dialog.show_error(
            self.tr("Could not change how long idle sessions stay signed in: %1").replace("%1", error_message(error))
        )

    def _finish(self, dialog: SettingsDialog) -> None:
        """Write the start-at-login entry, then save and apply the rest and close the dialog."""
        values = dialog.values()
        try:
            self._update_startup_entry(values)
        except autostart.AutostartError as exc:
            dialog.set_start_at_login(self.startup_entry.is_enabled())
            dialog.show_error(str(exc))
            return
        self.apply(values)
        dialog.accept()

    def _update_startup_entry(self, values: SettingsValues) -> None:
        settings = self.app.settings
        enabled = self.startup_entry.is_enabled()
        if values.start_at_login:
            if not enabled or values.start_minimized != settings.get(START_MINIMIZED):
                self.startup_entry.enable(autostart.with_flags(self.launch_command(), values.start_minimized))
        elif enabled:
            self.startup_entry.disable()

    def apply(self, values: SettingsValues) -> None:
        """Save the values and put them into effect at once."""
        settings = self.app.settings
        settings.set(ALERTS_ENABLED, values.alerts_enabled)
        settings.set(NOTIFY_ENDED_SESSIONS, values.notify_ended_sessions)
        settings.set(START_AT_LOGIN, values.start_at_login)
        settings.set(START_MINIMIZED, values.start_minimized)
        self.app.apply_alert_settings()
        if values.poll_interval != self.app.poller.interval:
            self.app.set_poll_interval(values.poll_interval)
