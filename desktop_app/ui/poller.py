"""Keeps the sessions list current: polls on the worker thread with ETag, back-off and Retry-After.

While the live events stream is connected, the timer only runs a safety poll every
`LIVE_SAFETY_INTERVAL`, and events ask for polls through `request_poll()`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from ..api import errors
from ..api.models import Session, SessionList
from ..core import schedule
from .sessions_model import RowsUpdate, plan_update
from .worker import TaskRunner

if TYPE_CHECKING:  # The client (httpx) and the watcher load after the window shows.
    from ..api.client import SessionsClient
    from ..core.familiarity import FamiliarityWatcher

log = logging.getLogger(__name__)

LIVE_SAFETY_INTERVAL = 5 * 60.0  # seconds between polls while the events stream is connected


@dataclass(frozen=True)
class PollResult:
    """One successful poll: the new list (None for a 304) and the sessions to alert on.

    `store_reset` is True when the known-devices file was damaged and this poll
    learnt the current sessions as a new baseline. `restored` holds, after the first
    check of a known-devices store, the listed sessions whose alerts an earlier run
    left unacknowledged, each with the time of its alert. `rows_update` compares the
    new list with the table's rows, when `Poller.table_rows` is set.
    """

    sessions: SessionList | None
    alerts: tuple[Session, ...]
    store_reset: bool = False
    restored: tuple[tuple[Session, datetime], ...] = ()
    rows_update: RowsUpdate | None = None


class Poller(QObject):
    """Polls `GET /sessions` with one request in flight at a time.

    sig_polled(PollResult): a poll succeeded.
    sig_offline(str): a poll failed, with the reason as text. `last_success` is the time
        of the last successful poll.
    sig_online(): the first success after failures.
    sig_unauthorized(): the server rejected the token; polling has stopped.
    """

    sig_polled = Signal(object)
    sig_offline = Signal(str)
    sig_online = Signal()
    sig_unauthorized = Signal()

    def __init__(self, runner: TaskRunner, interval: float = schedule.DEFAULT_INTERVAL, parent: QObject | None = None, rng: random.Random | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._interval = schedule.clamp_interval(interval)
        self._rng = rng or random.Random()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.poll_now)
        self._client: SessionsClient | None = None
        self._watcher: FamiliarityWatcher | None = None
        self._etag: str | None = None
        self._generation = 0
        self.in_flight = False
        self.poll_again = False  # a poll was requested while one was in flight
        self.live = False  # the events stream is connected
        self.failures = 0
        self.last_success: datetime | None = None
        self.next_delay: float | None = None
        # Returns the table's rows (`SessionsModel.snapshot`); the worker compares each new list with them.
        self.table_rows: Callable[[], tuple[Session, ...]] | None = None

    @property
    def interval(self) -> float:
        """The user's poll interval, in seconds; `current_interval` is the one in force."""
        return self._interval

    @property
    def current_interval(self) -> float:
        return LIVE_SAFETY_INTERVAL if self.live else self._interval

    @property
    def offline(self) -> bool:
        return self.failures > 0

    @property
    def running(self) -> bool:
        return self._client is not None

    def set_interval(self, seconds: float) -> None:
        self._interval = schedule.clamp_interval(seconds)
        self._reschedule()

    def set_live(self, live: bool) -> None:
        """Switch between the safety interval (events stream connected) and the user's interval."""
        if live == self.live:
            return
        self.live = live
        self._reschedule()

    def _reschedule(self) -> None:
        if self.running and not self.in_flight and not self.offline:
            self._schedule(self.current_interval)

    def start(self, client: SessionsClient, watcher: FamiliarityWatcher | None) -> None:
        """Poll `client` now and then every interval until `stop()`."""
        self.stop()
        self._client = client
        self._watcher = watcher
        self.poll_now()

    def stop(self) -> None:
        self._generation += 1  # Results of a poll already in flight are ignored.
        self._timer.stop()
        self._client = None
        self._watcher = None
        self._etag = None
        self.in_flight = False
        self.poll_again = False
        self.live = False
        self.failures = 0
        self.next_delay = None

    def forget_etag(self) -> None:
        """Make the next poll fetch the whole list, after the app changed it."""
        self._etag = None

    def request_poll(self) -> None:
        """Poll now, or once more right after the poll in flight.

        Requests made while a poll is in flight cause one poll after it, however many
        there were. When that poll fails, the back-off retry takes the place of the
        extra poll.
        """
        if self.in_flight:
            self.poll_again = True
            return
        self.poll_now()

    def poll_now(self) -> None:
        client = self._client
        if client is None or self.in_flight:
            return
        self._timer.stop()
        self.in_flight = True
        generation = self._generation
        etag = self._etag
        watcher = self._watcher
        rows = self.table_rows() if self.table_rows is not None else None

        def task() -> PollResult:
            session_list = client.list_sessions(etag)
            if session_list is None:
                return PollResult(None, ())
            rows_update = plan_update(rows, session_list) if rows is not None else None
            if watcher is None:
                return PollResult(session_list, (), rows_update=rows_update)
            try:
                alerts = watcher.check(session_list.sessions)
            except Exception:  # A familiarity fault must not hide the list or stop polling.
                log.exception("Checking the sessions against the known devices failed")
                return PollResult(session_list, (), rows_update=rows_update)
            return PollResult(
                session_list,
                tuple(alerts),
                watcher.take_reset_notice(),
                tuple(watcher.take_restored()),
                rows_update,
            )

        self._runner.submit(
            task,
            lambda result: self._on_success(generation, result),
            lambda error: self._on_failure(generation, error),
        )

    def _schedule(self, seconds: float) -> None:
        self.next_delay = seconds
        self._timer.start(int(seconds * 1000))

    def _on_success(self, generation: int, result: PollResult) -> None:
        if generation != self._generation:
            return
        self.in_flight = False
        self.last_success = datetime.now(timezone.utc)
        if result.sessions is not None:
            self._etag = result.sessions.etag
        was_offline = self.offline
        self.failures = 0
        self._schedule(self.current_interval)
        if was_offline:
            log.info("Polling recovered")
            self.sig_online.emit()
        self.sig_polled.emit(result)
        if self.poll_again and generation == self._generation:
            self.poll_again = False
            self.poll_now()

    def _on_failure(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self.in_flight = False
        if isinstance(error, errors.Unauthorized):
            log.info("The server rejected the token; polling stops")
            self.stop()
            self.sig_unauthorized.emit()
            return

        self.poll_again = False  # The retry scheduled below replaces it.
        self.failures += 1
        retry_after = getattr(error, "retry_after", None)
        delay = schedule.retry_delay(self.failures, retry_after, self._rng)
        log.warning("Poll failed (%s, %d in a row); retrying in %.0f s", type(error).__name__, self.failures, delay)
        self._schedule(delay)
        message = error.message if isinstance(error, errors.ApiError) else type(error).__name__
        self.sig_offline.emit(message)
