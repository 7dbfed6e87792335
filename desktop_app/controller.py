"""Wiring between the window, the dialogs and the worker thread.

Every network and keyring call goes through `TaskRunner.submit`, so it runs on the
worker thread; the callbacks here run on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from .api import errors
from .api.models import Authenticated, MfaRequired
from .core import autostart
from .monitor import SessionMonitor, error_message
from .settings import ALERTS_ENABLED, EMAIL, NOTIFY_ENDED_SESSIONS, POLL_INTERVAL, SERVER_URL, Settings
from .settings_controller import SettingsController
from .ui.event_stream import EventStream
from .ui.main_window import MainWindow
from .ui.poller import Poller
from .ui.signin import MfaDialog, SignInDialog
from .ui.tray import Tray
from .ui.worker import TaskRunner

if TYPE_CHECKING:  # httpx, keyring and the known-devices store load after the window shows.
    from .api.client import SessionsClient
    from .core.credentials import TokenStore

log = logging.getLogger(__name__)

LOGOUT_AT_QUIT_TIMEOUT = 5.0  # seconds the quit waits for the logout request


def _new_client(*args, **kwargs) -> SessionsClient:
    from .api.client import SessionsClient

    return SessionsClient(*args, **kwargs)


class DemoAccount:
    """Demo account details for the sign-in hint; `current_code` returns the live TOTP code."""

    def __init__(self, server_url: str, email: str, password: str, current_code: Callable[[], str]) -> None:
        self.server_url = server_url
        self.email = email
        self.password = password
        self.current_code = current_code


class AppController(QObject):
    """Signs in and out, and hands the signed-in client to the `SessionMonitor`.

    sig_signed_in(email): a sign-in completed or a stored one was reused.
    """

    sig_signed_in = Signal(str)

    def __init__(
        self,
        window: MainWindow,
        runner: TaskRunner,
        settings: Settings,
        token_store: TokenStore,
        *,
        data_dir: Path,
        tray: Tray | None = None,
        server_url: str | None = None,
        remember_sign_in: bool = True,
        client_factory: Callable[..., SessionsClient] = _new_client,
        startup_entry: autostart.Autostart | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.runner = runner
        self.settings = settings
        self.token_store = token_store
        self.client_factory = client_factory
        self.server_url_override = server_url
        self.remember_sign_in = remember_sign_in
        self.data_dir = data_dir
        self.demo: DemoAccount | None = None
        self.tray = tray or Tray(self)
        self.poller = Poller(runner, settings.get(POLL_INTERVAL), parent=self)
        self.events = EventStream(self)
        self.monitor = SessionMonitor(window, runner, self.tray, self.poller, parent=self, events=self.events)
        self.monitor.sig_unauthorized.connect(self._session_ended)
        window.show_interval(self.poller.interval)
        window.sig_interval_chosen.connect(self.set_poll_interval)
        self.apply_alert_settings()
        self.settings_controller = SettingsController(self, startup_entry or autostart.for_platform())
        window.sig_settings_requested.connect(self.settings_controller.open)

        self.client: SessionsClient | None = None
        self.token_stored = False  # the keyring contains the current client's token
        self._sign_in_client: SessionsClient | None = None  # the client of the sign-in in progress
        self.email = ""
        self.sign_in_dialog: SignInDialog | None = None
        self.mfa_dialog: MfaDialog | None = None
        self._demo_hint_timer = QTimer(self)
        self._demo_hint_timer.setInterval(1000)
        self._demo_hint_timer.timeout.connect(self._update_demo_hint)

        window.sig_sign_out_requested.connect(self.sign_out)
        window.sig_sign_in_requested.connect(self.open_sign_in)

    # Start-up

    def start(self) -> None:
        """Reuse the stored sign-in when there is one, else ask the user to sign in."""
        server_url = self.server_url_override or self.settings.get(SERVER_URL)
        email = self.settings.get(EMAIL)
        if not (self.remember_sign_in and server_url and email):
            self.open_sign_in()
            return
        from .api.client import normalize_server_url

        try:
            server_url = normalize_server_url(server_url)
        except errors.InsecureServerUrl as exc:
            self.open_sign_in(exc.message)
            return

        self.window.set_status(self.tr("Reading your saved sign-in…"))
        self.runner.submit(
            lambda: self.token_store.load(server_url, email),
            lambda token: self._on_token_loaded(server_url, email, token),
            self._on_token_load_failed,
        )

    def start_demo(self, demo: DemoAccount) -> None:
        self.demo = demo
        self.window.set_status(self.tr("Demo server ready at %1. Sign in with the demo account.").replace("%1", demo.server_url))
        self.open_sign_in()

    def _on_token_loaded(self, server_url: str, email: str, token: str | None) -> None:
        if not token:
            self.open_sign_in()
            return
        log.info("Using the saved sign-in for %s on %s", email, server_url)
        self.token_stored = True
        self._use_client(self.client_factory(server_url, token), email)

    def _on_token_load_failed(self, error: Exception) -> None:
        self.window.set_notice(self._keyring_warning())
        self.open_sign_in()

    def shutdown(self) -> None:
        """Stop the worker thread, then close the HTTP connections it used.

        A sign-in whose token could not be stored is ended on the server first, so
        no session whose token is lost stays open on the account.
        """
        self._demo_hint_timer.stop()
        self.events.stop()
        self.poller.stop()
        client = self.client
        if client is not None and not self.token_stored:
            self._log_out_before_quit(client)
        self.runner.shutdown()
        for client in (self.client, self._sign_in_client):
            if client is not None:
                client.close()
        self.client = None
        self._sign_in_client = None

    def _log_out_before_quit(self, client: SessionsClient) -> None:
        finished = threading.Event()

        def log_out() -> None:
            try:
                client.logout()
            finally:
                finished.set()

        log.info("Ending this session on the server, because its token cannot be kept")
        self.runner.submit(log_out, None, lambda error: log.warning("Signing out at quit failed: %s", error))
        # The GUI thread only waits here; the request runs on the worker thread.
        if not finished.wait(LOGOUT_AT_QUIT_TIMEOUT):
            log.warning("Signing out at quit did not finish within %s s", LOGOUT_AT_QUIT_TIMEOUT)

    # Sign-in dialogs

    def open_sign_in(self, error: str = "") -> None:
        """Show the sign-in dialog; fields typed earlier in this run are kept."""
        dialog = self.sign_in_dialog
        if dialog is None:
            dialog = SignInDialog(self.window)
            dialog.sig_submitted.connect(self._submit_sign_in)
            dialog.rejected.connect(self._on_sign_in_cancelled)
            self.sign_in_dialog = dialog
            if not self.demo:
                dialog.prefill(self.server_url_override or self.settings.get(SERVER_URL), self.settings.get(EMAIL))

        if self.demo:
            dialog.prefill(self.demo.server_url, self.demo.email, self.demo.password)
            self._demo_hint_timer.start()
            self._update_demo_hint()
        if self.client is None:
            self.window.set_status(self.tr("Not signed in."))
        dialog.set_busy(False)
        dialog.show_error(error)
        dialog.open()

    def _update_demo_hint(self) -> None:
        if not self.demo:
            return
        code = self.demo.current_code()
        spaced = f"{code[:3]} {code[3:]}"
        if self.sign_in_dialog and self.sign_in_dialog.isVisible():
            self.sign_in_dialog.show_hint(
                self.tr("Demo account: %1, password %2. Authenticator code now: %3 (it changes every 30 s).")
                .replace("%1", self.demo.email)
                .replace("%2", self.demo.password)
                .replace("%3", spaced)
            )
        if self.mfa_dialog and self.mfa_dialog.isVisible():
            self.mfa_dialog.show_hint(self.tr("Demo authenticator code now: %1").replace("%1", spaced))

    def _on_sign_in_cancelled(self) -> None:
        if self.client is None:
            self._demo_hint_timer.stop()
            self.window.set_status(self.tr("Not signed in. Use Account → Sign in to start watching your sessions."))

    def _submit_sign_in(self, server_url: str, email: str, password: str) -> None:
        dialog = self.sign_in_dialog
        assert dialog is not None
        try:
            client = self.client_factory(server_url)
        except errors.InsecureServerUrl as exc:
            dialog.show_error(exc.message)
            return
        self._replace_sign_in_client(client)
        dialog.set_busy(True)
        log.info("Signing in as %s on %s", email, client.server_url)
        self.runner.submit(
            lambda: client.login(email, password),
            lambda result: self._on_login_result(client, email, result),
            self._on_sign_in_error,
        )

    def _replace_sign_in_client(self, client: SessionsClient | None) -> None:
        old, self._sign_in_client = self._sign_in_client, client
        if old is not None and old is not self.client:
            self.runner.submit(old.close)

    def _on_login_result(self, client: SessionsClient, email: str, result: Authenticated | MfaRequired) -> None:
        assert self.sign_in_dialog is not None
        self.sign_in_dialog.clear_password()
        if isinstance(result, Authenticated):
            self.sign_in_dialog.accept()
            self._signed_in(client, email, result)
            return

        self.sign_in_dialog.hide()
        dialog = MfaDialog(self.window)
        dialog.sig_submitted.connect(lambda code: self._submit_code(client, email, result, code))
        dialog.rejected.connect(self._on_mfa_cancelled)
        self.mfa_dialog = dialog
        self._update_demo_hint()
        dialog.open()
        dialog.clear_code()

    def _on_sign_in_error(self, error: Exception) -> None:
        assert self.sign_in_dialog is not None
        self.sign_in_dialog.set_busy(False)
        self.sign_in_dialog.show_error(error_message(error))
        if isinstance(error, errors.InvalidCredentials) and not self.demo:
            self.sign_in_dialog.clear_password()

    def _submit_code(self, client: SessionsClient, email: str, challenge: MfaRequired, code: str) -> None:
        assert self.mfa_dialog is not None
        self.mfa_dialog.set_busy(True)
        self.runner.submit(
            lambda: client.verify_mfa(challenge.mfa_token, code),
            lambda result: self._on_code_accepted(client, email, result),
            self._on_code_error,
        )

    def _on_code_accepted(self, client: SessionsClient, email: str, result: Authenticated) -> None:
        dialog, self.mfa_dialog = self.mfa_dialog, None
        if dialog:
            dialog.done(MfaDialog.DialogCode.Accepted)
        self._signed_in(client, email, result)

    def _on_code_error(self, error: Exception) -> None:
        dialog = self.mfa_dialog
        if dialog is None:
            return
        if isinstance(error, errors.MfaExpired):
            self.mfa_dialog = None
            dialog.done(MfaDialog.DialogCode.Accepted)
            self.open_sign_in(error_message(error))
            return
        dialog.set_busy(False)
        dialog.show_error(error_message(error))
        dialog.clear_code()

    def _on_mfa_cancelled(self) -> None:
        self.mfa_dialog = None
        self.open_sign_in()

    # Signed in

    def _signed_in(self, client: SessionsClient, email: str, result: Authenticated) -> None:
        log.info("Signed in as %s on %s (session %s)", email, client.server_url, result.session.id if result.session else "?")
        self._demo_hint_timer.stop()
        self._sign_in_client = None
        if self.remember_sign_in:
            self.settings.set(SERVER_URL, client.server_url)
            self.settings.set(EMAIL, email)
            server_url, token = client.server_url, result.access_token
            self.runner.submit(
                lambda: self.token_store.save(server_url, email, token),
                lambda _: setattr(self, "token_stored", True),
                lambda error: self.window.set_notice(self._keyring_warning()),
            )
        self._use_client(client, email)
        self.sig_signed_in.emit(email)

    def _use_client(self, client: SessionsClient, email: str) -> None:
        self.client = client
        self.email = email
        self.window.set_signed_in(True, email)
        from .core import familiarity

        store = familiarity.store_path(self.data_dir, client.server_url, email)
        self.monitor.start(client, familiarity.FamiliarityWatcher(store))

    def _keyring_warning(self) -> str:
        return self.tr(
            "Session Guard cannot remember your sign-in: no secure keyring is available on this computer. "
            "You will have to sign in again after you quit."
        )

    def refresh(self) -> None:
        self.monitor.refresh()

    def set_poll_interval(self, seconds: float) -> None:
        self.poller.set_interval(seconds)
        self.window.show_interval(self.poller.interval)
        if self.remember_sign_in:
            self.settings.set(POLL_INTERVAL, self.poller.interval)
        log.info("Polling every %.0f s", self.poller.interval)

    def apply_alert_settings(self) -> None:
        self.monitor.alerts.enabled = self.settings.get(ALERTS_ENABLED)
        self.monitor.alerts.notify_ended = self.settings.get(NOTIFY_ENDED_SESSIONS)

    # Signing out of the app

    def sign_out(self) -> None:
        client = self.client
        if client is None:
            return
        log.info("Signing out of %s", client.server_url)
        # Tasks run in order, so the logout request goes out before the client is closed.
        self.runner.submit(client.logout, lambda _: self._on_logged_out(None), self._on_logged_out)
        self._forget_sign_in()

    def _on_logged_out(self, error: Exception | None) -> None:
        if error is None or isinstance(error, errors.Unauthorized):
            self.window.set_status(self.tr("Signed out. This computer's session has ended on the server."))
        else:
            self.window.set_status(
                self.tr("Signed out here, but the server could not be told (%1). End the session from another device.")
                .replace("%1", error_message(error))
            )
        self.open_sign_in()

    def _session_ended(self) -> None:
        log.info("The app's own session ended on the server")
        self._forget_sign_in()
        text = self.tr(
            "Session Guard's own session was signed out from another device or has expired. Sign in again to keep watching."
        )
        self.tray.notify(self.tr("Session Guard was signed out"), text, critical=True)
        self.window.set_status(text)
        self.open_sign_in(text)

    def _forget_sign_in(self) -> None:
        """Drop the client, the list and the stored token."""
        client, email = self.client, self.email
        self.client = None
        self.token_stored = False
        self.window.set_notice("")
        self.monitor.stop()
        if client is not None:
            self.runner.submit(client.close)
        self.window.model.clear()
        self.window.set_signed_in(False)
        if client is not None and self.remember_sign_in:
            server_url = client.server_url
            self.runner.submit(lambda: self.token_store.delete(server_url, email), None, lambda error: None)

