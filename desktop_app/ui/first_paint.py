"""Start-up work that waits until the main window has painted once."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

# A shown window that has not painted by then (on a hidden desktop, say) gets its
# start-up work anyway, so watching the account does not wait until the user looks.
FALLBACK_MS = 1000


class AfterFirstPaint(QObject):
    """Calls the added callbacks, in the order added, once `window` has painted for the first time.

    The callbacks run from the event loop after the paint event, so the painted
    window reaches the screen before they start. `run()` calls them at once, for a
    window that is not shown.
    """

    def __init__(self, window: QWidget, fallback_ms: int = FALLBACK_MS) -> None:
        super().__init__(window)
        self._window: QWidget | None = window
        self._callbacks: list[Callable[[], None]] = []
        self._queued = False
        window.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self.run)

    def add(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Paint and not self._queued:
            self._queued = True
            QTimer.singleShot(0, self, self.run)
        return False

    def run(self) -> None:
        window, self._window = self._window, None
        if window is None:
            return
        window.removeEventFilter(self)
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()
