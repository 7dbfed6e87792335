"""One worker thread for every network and keyring call.

The GUI thread submits a callable, and the worker runs it. The result or the
exception comes back by a queued signal, so callbacks always run on the GUI thread.
Tasks run one at a time, in the order submitted.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)

SuccessCallback = Callable[[Any], None]
ErrorCallback = Callable[[Exception], None]


class _Worker(QObject):
    sig_finished = Signal(int, object)  # ticket, result
    sig_failed = Signal(int, object)  # ticket, exception

    @Slot(int, object)
    def run(self, ticket: int, task: Callable[[], Any]) -> None:
        try:
            result = task()
        except Exception as exc:  # Every failure goes back to the caller's error callback.
            self.sig_failed.emit(ticket, exc)
            return
        self.sig_finished.emit(ticket, result)


class TaskRunner(QObject):
    """Runs blocking callables on a dedicated QThread; `busy` is True while a task is queued or running."""

    _sig_submit = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("session-guard-worker")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._sig_submit.connect(self._worker.run)
        self._worker.sig_finished.connect(self._on_finished)
        self._worker.sig_failed.connect(self._on_failed)
        self._callbacks: dict[int, tuple[SuccessCallback | None, ErrorCallback | None]] = {}
        self._tickets = itertools.count(1)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def submit(
        self,
        task: Callable[[], Any],
        on_success: SuccessCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> int:
        ticket = next(self._tickets)
        self._callbacks[ticket] = (on_success, on_error)
        self._sig_submit.emit(ticket, task)
        return ticket

    def shutdown(self) -> None:
        """Stop the thread after the running task; queued tasks are dropped."""
        self._callbacks.clear()
        self._thread.quit()
        if not self._thread.wait(15_000):
            log.warning("The worker thread did not stop within 15 s")

    def _take(self, ticket: int) -> tuple[SuccessCallback | None, ErrorCallback | None] | None:
        return self._callbacks.pop(ticket, None)

    @Slot(int, object)
    def _on_finished(self, ticket: int, result: Any) -> None:
        callbacks = self._take(ticket)
        if callbacks and callbacks[0]:
            callbacks[0](result)

    @Slot(int, object)
    def _on_failed(self, ticket: int, error: Exception) -> None:
        callbacks = self._take(ticket)
        if callbacks is None:
            return
        if callbacks[1]:
            callbacks[1](error)
        else:
            log.error("A background task failed: %s", error, exc_info=error)
