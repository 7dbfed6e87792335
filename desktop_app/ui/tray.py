"""The system tray icon: three states, a summary tooltip, the menu and notifications."""

from __future__ import annotations

import enum
import logging

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from .icons import icon

log = logging.getLogger(__name__)

# Panels often start after autostarted apps, so the tray is looked for again for a while.
TRAY_WAIT_SECONDS = 30
TRAY_POLL_MS = 1000


class TrayState(enum.Enum):
    NORMAL = "tray-normal"
    ALERT = "tray-alert"
    OFFLINE = "tray-offline"


class Tray(QObject):
    """Owns the QSystemTrayIcon once a system tray exists.

    sig_availability(bool): the tray appeared (True), or none appeared within
        TRAY_WAIT_SECONDS (False). Sent once.
    sig_open_requested(), sig_refresh_requested(), sig_revoke_others_requested(),
    sig_quit_requested(): menu actions.
    sig_message_clicked(): a notification balloon was clicked. Qt does not say which
        one, and some platforms send it spuriously.
    """

    sig_availability = Signal(bool)
    sig_open_requested = Signal()
    sig_refresh_requested = Signal()
    sig_revoke_others_requested = Signal()
    sig_quit_requested = Signal()
    sig_message_clicked = Signal()

    def __init__(self, parent: QObject | None = None, wait_seconds: int = TRAY_WAIT_SECONDS) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(icon(TrayState.NORMAL.value), self)
        self.state = TrayState.NORMAL
        self.available: bool | None = None  # None while still waiting for a tray
        self._attempts_left = max(1, wait_seconds * 1000 // TRAY_POLL_MS)
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(TRAY_POLL_MS)
        self._wait_timer.timeout.connect(self._look_for_tray)

        self.menu = QMenu()
        self.open_action = self._add(self.tr("&Open Session Guard"), self.sig_open_requested)
        self.refresh_action = self._add(self.tr("&Refresh now"), self.sig_refresh_requested)
        self.revoke_others_action = self._add(self.tr("Sign out all &other sessions…"), self.sig_revoke_others_requested)
        self.menu.addSeparator()
        self.pause_action = QAction(self.tr("&Pause alerts for 1 hour"), self)
        self.pause_action.setCheckable(True)
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.quit_action = self._add(self.tr("&Quit"), self.sig_quit_requested)
        self.icon.setContextMenu(self.menu)
        self.icon.messageClicked.connect(self.sig_message_clicked)
        self.icon.activated.connect(self._on_activated)
        self.icon.setToolTip("Session Guard")

    def _add(self, text: str, signal: Signal) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(signal)
        self.menu.addAction(action)
        return action

    def start(self) -> None:
        """Show the icon now if a tray exists, else keep looking for TRAY_WAIT_SECONDS."""
        self._look_for_tray()
        if self.available is None:
            log.info("No system tray yet; looking again for %d s", TRAY_WAIT_SECONDS)
            self._wait_timer.start()

    def _look_for_tray(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._wait_timer.stop()
            self.icon.show()
            self.available = True
            log.info("System tray found; icon shown")
            self.sig_availability.emit(True)
            return
        self._attempts_left -= 1
        if self._attempts_left <= 0 and self.available is None:
            self._wait_timer.stop()
            self.available = False
            log.warning("No system tray appeared; alerts will show in the window")
            self.sig_availability.emit(False)

    def set_state(self, state: TrayState) -> None:
        if state != self.state:
            self.state = state
            self.icon.setIcon(icon(state.value))

    def set_watching(self, watching: bool) -> None:
        """Enable the actions that need a signed-in account."""
        self.refresh_action.setEnabled(watching)
        self.revoke_others_action.setEnabled(watching)

    def set_tooltip(self, text: str) -> None:
        self.icon.setToolTip(text)

    def notify(self, title: str, text: str, critical: bool = False) -> bool:
        """Show a notification balloon; returns False when there is no tray to show it."""
        if not self.available:
            return False
        kind = QSystemTrayIcon.MessageIcon.Warning if critical else QSystemTrayIcon.MessageIcon.Information
        self.icon.showMessage(title, text, kind, 15_000)
        return True

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.sig_open_requested.emit()
