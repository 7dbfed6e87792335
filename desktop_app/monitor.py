"""Watching a signed-in account: polling, live events, alerts, the tray, and the sign-out actions.

Every network call goes through the worker thread (`TaskRunner`), except the events
stream, which has a thread of its own; the callbacks here run on the GUI thread and
only apply finished results.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from .api import errors
from .ui.alerts import AlertCenter, ended_sessions
from .ui.main_window import MainWindow
from .ui.poller import Poller, PollResult
from .ui.tray import Tray, TrayState
from .ui.worker import TaskRunner

if TYPE_CHECKING:  # The client (httpx), the events stream and the watcher load after the window shows.
    from .api.client import SessionsClient
    from .api.events import StreamEvent
    from .core.familiarity import FamiliarityWatcher
    from .ui.event_stream import EventStream

log = logging.getLogger(__name__)

OFFLINE_LABEL_REFRESH_MS = 15_000


def error_message(error: Exception) -> str:
    if isinstance(error, errors.ApiError):
        return error.message
    log.error("Unexpected error: %r", error)
    return f"Unexpected error: {type(error).__name__}"


class SessionMonitor(QObject):
    """Polls, and with `events` also follows the live events stream, which makes it poll at once.

    sig_unauthorized(): the server rejected the app's token (its session ended).
    sig_sessions_applied(): a poll result reached the table.
    """

    sig_unauthorized = Signal()
    sig_sessions_applied = Signal()

    def __init__(
        self,
        window: MainWindow,
        runner: TaskRunner,
        tray: Tray,
        poller: Poller,
        parent: QObject | None = None,
        *,
        events: EventStream | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.runner = runner
        self.tray = tray
        self.poller = poller
        self.events = events
        self.alerts = AlertCenter(window.model, tray, parent=self)
        self.client: SessionsClient | None = None
        self.watcher: FamiliarityWatcher | None = None
        self._summary = ""
        self._offline_reason = ""
        self._offline_timer = QTimer(self)
        self._offline_timer.setInterval(OFFLINE_LABEL_REFRESH_MS)
        self._offline_timer.timeout.connect(self._show_offline)

        poller.table_rows = window.model.snapshot
        poller.sig_polled.connect(self._on_polled)
        poller.sig_offline.connect(self._on_offline)
        poller.sig_online.connect(self._on_online)
        poller.sig_unauthorized.connect(self.sig_unauthorized)
        if events is not None:
            events.sig_connected.connect(self._on_stream_connected)
            events.sig_event.connect(self._on_stream_event)
            events.sig_down.connect(self._on_stream_down)
            events.sig_unsupported.connect(self._on_stream_unsupported)
            events.sig_unauthorized.connect(self.sig_unauthorized)

        window.sig_refresh_requested.connect(self.refresh)
        window.sig_shown.connect(self.refresh)
        window.sig_revoke_requested.connect(self.revoke)
        window.sig_revoke_others_requested.connect(self.revoke_others)
        window.sig_trust_requested.connect(self.trust)
        window.sig_acknowledge_requested.connect(self.acknowledge)
        tray.sig_refresh_requested.connect(self.refresh)
        tray.sig_revoke_others_requested.connect(self._confirm_revoke_others_from_tray)
        self.alerts.sig_changed.connect(self._update_tray)
        self.alerts.sig_in_window_alert.connect(window.show_alert_banner)

    # Lifecycle

    def start(self, client: SessionsClient, watcher: FamiliarityWatcher | None) -> None:
        self.client = client
        self.watcher = watcher
        self._summary = self.tr("checking…")
        self._update_tray()
        self.poller.start(client, watcher)
        if self.events is not None:
            self.events.start(client)

    def stop(self) -> None:
        if self.events is not None:
            self.events.stop()
        self.poller.stop()
        self.client = None
        self.watcher = None
        self._offline_timer.stop()
        self._offline_reason = ""
        self.alerts.clear()
        self.window.hide_alert_banner()
        self._update_tray()

    def refresh(self) -> None:
        self.poller.poll_now()

    # Live events

    def _on_stream_connected(self) -> None:
        # Events between the last poll and `ready` did not come through the stream.
        self.poller.set_live(True)
        self.poller.request_poll()
        self._update_summary_mode()

    def _on_stream_event(self, event: StreamEvent) -> None:
        if event.type == "reset":
            self.poller.forget_etag()
        elif not event.type.startswith("session."):
            return
        self.poller.request_poll()

    def _on_stream_down(self, reason: str) -> None:
        if self.poller.live:
            log.info("Live updates lost (%s); polling every %.0f s", reason, self.poller.interval)
        self.poller.set_live(False)
        self._update_summary_mode()

    def _on_stream_unsupported(self) -> None:
        self.poller.set_live(False)
        self._update_summary_mode()

    def _update_summary_mode(self) -> None:
        """Show "live" or the poll interval in the summary, unless no poll succeeded yet or polls fail."""
        if self.poller.last_success is not None and not self.poller.offline:
            self._show_summary()

    # Poll results

    def _on_polled(self, result: PollResult) -> None:
        if result.sessions is not None and self.events is not None:
            own = next((session.id for session in result.sessions.sessions if session.current), None)
            self.events.set_own_session_id(own)
        if result.sessions is not None:
            # Sessions this app signs out leave the table before a poll can miss them.
            ended = ended_sessions(self.window.model.sessions(), result.sessions.sessions)
            keep_visible = self.window.selection_visible()
            self.window.model.apply(result.sessions, result.rows_update)
            if keep_visible:
                self.window.scroll_to_selection()
            self.alerts.restore_alerts(result.restored)
            self.alerts.raise_alerts(result.alerts)
            for session in ended:
                self.alerts.forget(session.id)
            self.alerts.report_ended(ended)
        if result.store_reset:
            self._report_store_reset()
        self._show_summary()
        self.sig_sessions_applied.emit()

    def _report_store_reset(self) -> None:
        text = self.tr(
            "The list of known devices was damaged and has been started again: every session listed now "
            "was accepted as known without an alert. Check the list for devices you do not recognise."
        )
        log.warning("The known-devices store was reset; the current sessions became the baseline")
        self.window.set_notice(text)
        self.tray.notify(self.tr("Known devices were reset"), text, critical=True)

    def _show_summary(self) -> None:
        count = self.window.model.rowCount()
        sessions = self.tr("1 session") if count == 1 else self.tr("%1 sessions").replace("%1", str(count))
        last = self.poller.last_success
        checked = (last.astimezone() if last is not None else datetime.now()).strftime("%H:%M")
        if self.poller.live:
            mode = self.tr("live")
        else:
            mode = self.tr("checking every %1 s").replace("%1", f"{self.poller.interval:.0f}")
        text = self.tr("%1 · checked %2 · %3").replace("%1", sessions).replace("%2", checked).replace("%3", mode)
        self.window.set_status(text)
        self._summary = text
        self._update_tray()

    def _on_offline(self, reason: str) -> None:
        self._offline_reason = reason
        self._show_offline()
        if not self._offline_timer.isActive():
            self._offline_timer.start()
        self._update_tray()

    def _show_offline(self) -> None:
        last = self.poller.last_success
        if last is None:
            when = self.tr("not updated yet")
        else:
            import humanize

            when = self.tr("last updated %1").replace("%1", humanize.naturaltime(datetime.now(timezone.utc) - last))
        text = self.tr("Offline — %1. %2").replace("%1", when).replace("%2", self._offline_reason)
        self.window.set_status(text)
        self._summary = text
        self._update_tray()

    def _on_online(self) -> None:
        self._offline_timer.stop()
        self._offline_reason = ""
        self._update_tray()

    def _update_tray(self) -> None:
        """Set the tray icon and tooltip; pending alerts outrank the offline state."""
        self.tray.set_watching(self.client is not None)
        if self.client is None:
            self.tray.set_state(TrayState.OFFLINE)
            self.tray.set_tooltip(self.tr("Session Guard — signed out, not watching any account"))
            return

        pending = len(self.alerts.pending)
        if pending:
            self.tray.set_state(TrayState.ALERT)
        elif self.poller.offline:
            self.tray.set_state(TrayState.OFFLINE)
        else:
            self.tray.set_state(TrayState.NORMAL)
        tooltip = "Session Guard — " + self._summary
        if pending:
            tooltip += "\n" + (self.tr("1 unfamiliar sign-in to review") if pending == 1 else self.tr("%1 unfamiliar sign-ins to review").replace("%1", str(pending)))
        self.tray.set_tooltip(tooltip)

    # Actions on sessions

    def revoke(self, session_id: str) -> None:
        client = self.client
        if client is None:
            return
        log.info("Signing out session %s", session_id)
        self.runner.submit(
            lambda: client.revoke_session(session_id),
            lambda _: self._on_revoked(session_id, self.tr("Session signed out. That device must sign in again.")),
            lambda error: self._on_revoke_error(session_id, error),
        )

    def _on_revoked(self, session_id: str, status: str) -> None:
        self.window.model.remove(session_id)
        self.alerts.forget(session_id)
        self.poller.forget_etag()
        self.window.set_status(status)

    def _on_revoke_error(self, session_id: str, error: Exception) -> None:
        if isinstance(error, errors.SessionNotFound):
            self._on_revoked(session_id, self.tr("That session had already ended."))
            return
        if isinstance(error, errors.Unauthorized):
            self.sig_unauthorized.emit()
            return
        log.warning("Signing out session %s failed: %s", session_id, error)
        self.window.show_message(self.tr("Could not sign out the session"), error_message(error), QMessageBox.Icon.Warning)

    def _confirm_revoke_others_from_tray(self) -> None:
        self.window.bring_forward()
        self.window.confirm_revoke_others()

    def revoke_others(self) -> None:
        client = self.client
        if client is None:
            return
        log.info("Signing out all other sessions")
        self.runner.submit(client.revoke_other_sessions, self._on_revoked_others, self._on_revoke_others_error)

    def _on_revoked_others(self, count: int) -> None:
        for session in self.window.model.sessions():
            if not session.current:
                self.window.model.remove(session.id)
                self.alerts.forget(session.id)
        self.poller.forget_etag()
        if count == 1:
            ended = self.tr("Signed out 1 other session.")
        else:
            ended = self.tr("Signed out %1 other sessions.").replace("%1", str(count))
        text = ended + " " + self.tr("Those devices must sign in again with the password and 2FA, if enabled.")
        self.window.show_message(self.tr("Other sessions signed out"), text)
        self.refresh()

    def _on_revoke_others_error(self, error: Exception) -> None:
        if isinstance(error, errors.Unauthorized):
            self.sig_unauthorized.emit()
            return
        log.warning("Signing out the other sessions failed: %s", error)
        self.window.show_message(self.tr("Could not sign out the other sessions"), error_message(error), QMessageBox.Icon.Warning)

    def acknowledge(self, session_id: str) -> None:
        """Dismiss the alert of `session_id` here and in the known-devices store."""
        # NOTE: a quit right after Dismiss can drop the queued save (TaskRunner.shutdown
        # drops queued tasks), and then the alert shows again at the next start.
        self.alerts.acknowledge(session_id)
        watcher = self.watcher
        if watcher is not None:
            self.runner.submit(lambda: watcher.acknowledge(session_id))

    def trust(self, session_id: str) -> None:
        row = self.window.model.row_of(session_id)
        watcher = self.watcher
        if row is None or watcher is None:
            return
        session = self.window.model.session_at(row)
        self.alerts.acknowledge(session_id)
        log.info("Trusting the device and place of session %s", session_id)
        self.runner.submit(lambda: watcher.trust(session))
        self.window.set_status(self.tr("Trusted. Sign-ins from this device and place will not raise alerts."))
