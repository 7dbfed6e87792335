"""Alerts for unfamiliar sign-ins: notifications, row marks and acknowledgement."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QObject, QTimer, Signal

from ..api.models import Session
from ..core import labels
from .sessions_model import SessionsModel
from .tray import Tray

log = logging.getLogger(__name__)

PAUSE_DURATION = timedelta(hours=1)
GROUP_LINES = 5  # sessions named in a grouped notification


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def ended_sessions(before: Sequence[Session], after: Sequence[Session]) -> list[Session]:
    """Return the sessions of `before` that `after` no longer lists, except the app's own."""
    remaining = {session.id for session in after}
    return [session for session in before if session.id not in remaining and not session.current]


class AlertCenter(QObject):
    """Raises one notification per unfamiliar session (several are grouped) and keeps
    each session's row marked until the user acknowledges it.

    sig_changed(): the set of unacknowledged alerts changed.
    sig_show_session(str): the user clicked a notification; open the window on this session.
    sig_in_window_alert(str, str): no tray, so the window shows the alert text for this session id.

    `enabled` switches the notifications for unfamiliar sign-ins (rows are marked either
    way); `notify_ended` switches the notification for sessions that ended elsewhere.
    """

    sig_changed = Signal()
    sig_show_session = Signal(str)
    sig_in_window_alert = Signal(str, str)

    def __init__(self, model: SessionsModel, tray: Tray, clock: Callable[[], datetime] = _utc_now, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._tray = tray
        self._clock = clock
        self._pending: dict[str, Session] = {}
        self._last_alerted: list[str] = []
        self.paused_until: datetime | None = None
        self.enabled = True
        self.notify_ended = False
        self.notifications: list[tuple[str, str]] = []  # (title, text) of each shown, newest last
        self._resume_timer = QTimer(self)
        self._resume_timer.setSingleShot(True)
        self._resume_timer.timeout.connect(lambda: tray.pause_action.setChecked(False))
        tray.pause_action.toggled.connect(self._on_pause_toggled)
        tray.sig_message_clicked.connect(self._on_message_clicked)

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(self._pending)

    @property
    def paused(self) -> bool:
        return self.paused_until is not None and self._clock() < self.paused_until

    def raise_alerts(self, sessions: Sequence[Session]) -> None:
        if not sessions:
            return
        for session in sessions:
            self._pending[session.id] = session
            self._model.set_unfamiliar(session.id, True)
            log.info("Unfamiliar sign-in: session %s", session.id)
        self._last_alerted = [session.id for session in sessions]
        self.sig_changed.emit()

        if self.paused:
            log.info("Alerts are paused until %s; %d not shown", self.paused_until, len(sessions))
            return
        if not self.enabled:
            log.info("Alert notifications are switched off; %d not shown", len(sessions))
            return
        if len(sessions) == 1:
            title = self.tr("New sign-in: %1").replace("%1", labels.alert_text(sessions[0]))
            text = self.tr("A device or place this account has not used before signed in. Click to review it.")
        else:
            title = self.tr("%1 new sign-ins").replace("%1", str(len(sessions)))
            lines = [labels.alert_text(session) for session in sessions[:GROUP_LINES]]
            if len(sessions) > GROUP_LINES:
                lines.append(self.tr("and %1 more").replace("%1", str(len(sessions) - GROUP_LINES)))
            text = "\n".join(lines)
        self.notifications.append((title, text))
        if not self._tray.notify(title, text, critical=True):
            self.sig_in_window_alert.emit(sessions[0].id, title)

    def restore_alerts(self, restored: Sequence[tuple[Session, datetime]]) -> None:
        """Mark again the sessions whose alerts an earlier run left unacknowledged, with one notification."""
        if not restored:
            return
        sessions = [session for session, _ in restored]
        for session, alerted_at in restored:
            self._pending[session.id] = session
            self._model.set_unfamiliar(session.id, True)
            log.info("Unfamiliar sign-in still unacknowledged: session %s, alerted at %s", session.id, alerted_at.isoformat())
        self._last_alerted = [session.id for session in sessions]
        self.sig_changed.emit()

        if self.paused or not self.enabled:
            log.info("Alert notifications are paused or switched off; %d unacknowledged not shown", len(sessions))
            return
        if len(sessions) == 1:
            title = self.tr("1 unfamiliar sign-in still needs your attention")
        else:
            title = self.tr("%1 unfamiliar sign-ins still need your attention").replace("%1", str(len(sessions)))
        lines = [labels.alert_text(session) for session in sessions[:GROUP_LINES]]
        if len(sessions) > GROUP_LINES:
            lines.append(self.tr("and %1 more").replace("%1", str(len(sessions) - GROUP_LINES)))
        lines.append(self.tr("Trust or dismiss each one in the sessions list. Click to review."))
        text = "\n".join(lines)
        self.notifications.append((title, text))
        if not self._tray.notify(title, text, critical=True):
            self.sig_in_window_alert.emit(sessions[0].id, title)

    def report_ended(self, sessions: Sequence[Session]) -> None:
        """Notify that sessions ended without this app signing them out, when `notify_ended` is on."""
        if not sessions:
            return
        log.info("%d sessions ended elsewhere: %s", len(sessions), ", ".join(session.id for session in sessions))
        if not self.notify_ended or self.paused:
            return
        if len(sessions) == 1:
            title = self.tr("Session ended: %1").replace("%1", labels.alert_text(sessions[0]))
        else:
            title = self.tr("%1 sessions ended").replace("%1", str(len(sessions)))
        lines = [labels.alert_text(session) for session in sessions[:GROUP_LINES]] if len(sessions) > 1 else []
        if len(sessions) > GROUP_LINES:
            lines.append(self.tr("and %1 more").replace("%1", str(len(sessions) - GROUP_LINES)))
        lines.append(self.tr("Signed out from another device, or expired."))
        text = "\n".join(lines)
        self.notifications.append((title, text))
        self._tray.notify(title, text)

    def acknowledge(self, session_id: str) -> None:
        if self._pending.pop(session_id, None) is None:
            return
        log.info("Alert for session %s acknowledged", session_id)
        self._model.set_unfamiliar(session_id, False)
        self.sig_changed.emit()

    def forget(self, session_id: str) -> None:
        """Drop the alert of a session that ended."""
        if self._pending.pop(session_id, None) is not None:
            self.sig_changed.emit()

    def clear(self) -> None:
        self._pending.clear()
        self._last_alerted = []
        self.sig_changed.emit()

    def _on_message_clicked(self) -> None:
        # Qt does not say which balloon was clicked: open the newest alert that is
        # still pending. A spurious click with nothing pending just opens the window.
        target = next((session_id for session_id in reversed(self._last_alerted) if session_id in self._pending), "")
        self.sig_show_session.emit(target)

    def _on_pause_toggled(self, paused: bool) -> None:
        if paused:
            self.paused_until = self._clock() + PAUSE_DURATION
            self._resume_timer.start(int(PAUSE_DURATION.total_seconds() * 1000))
            log.info("Alerts paused until %s", self.paused_until)
        else:
            self.paused_until = None
            self._resume_timer.stop()
            log.info("Alerts resumed")
