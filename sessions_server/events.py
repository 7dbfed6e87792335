"""Fan-out of committed session events to the open event streams of one server process.

Events reach every process through the database. One reader thread per
process follows the event log by id and hands each new event to the
streams of its account:

- On PostgreSQL the reader keeps one extra connection open that LISTENs on
  `event_log.NOTIFY_CHANNEL`. Each transaction that writes events sends a
  NOTIFY, and PostgreSQL delivers it to every process at commit.
- On SQLite there are no notifications between processes, so the reader
  reads new rows every `events_poll_seconds`. A commit made through this
  process's session factory wakes it at once.

Streams hold no database connection while they wait; they only hold a
`Subscription`, an asyncio queue that the reader fills.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from . import event_log
from .event_log import StoredEvent

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger(__name__)

# Events read per query while catching up.
_BATCH_SIZE = 1000
# A stream whose client reads this far behind is ended, and the client reconnects and replays from the log.
_MAX_QUEUED_EVENTS = 1000
# Seconds between attempts to reach the database again after a failed read or listen.
_RETRY_SECONDS = 1.0
# Maximum wait of the PostgreSQL listener before it checks whether the hub was closed.
_LISTEN_TIMEOUT_SECONDS = 0.25
_JOIN_TIMEOUT_SECONDS = 5.0


class _Timeout:
    pass


TIMED_OUT: Final = _Timeout()


class Subscription:
    """Events of one account for one stream, delivered on the stream's event loop.

    `next_event` returns None once the stream must end: the hub was closed
    or the client fell too far behind.
    """

    def __init__(self, hub: EventHub, account_id: int, loop: asyncio.AbstractEventLoop) -> None:
        self.account_id = account_id
        self._hub = hub
        self._loop = loop
        self._queue: asyncio.Queue[StoredEvent | None] = asyncio.Queue()
        self._ended = False

    async def next_event(self, timeout: float) -> StoredEvent | None | _Timeout:
        """Wait up to `timeout` seconds for the next event; return TIMED_OUT when none came."""
        try:
            return await asyncio.wait_for(self._queue.get(), max(timeout, 0))
        except TimeoutError:
            return TIMED_OUT

    def close(self) -> None:
        """Stop receiving events; later calls do nothing."""
        self._hub._unsubscribe(self)

    def deliver_threadsafe(self, events: list[StoredEvent]) -> None:
        self._call_soon(self._deliver, events)

    def end_threadsafe(self) -> None:
        self._call_soon(self._end)

    def _call_soon(self, callback: Any, *args: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            # The event loop is closed, so the stream is gone already.
            pass

    def _deliver(self, events: list[StoredEvent]) -> None:
        if self._ended:
            return
        if self._queue.qsize() + len(events) > _MAX_QUEUED_EVENTS:
            logger.warning(
                "event stream of account %d fell %d events behind; ending it", self.account_id, _MAX_QUEUED_EVENTS
            )
            self._end()
            return
        for stored in events:
            self._queue.put_nowait(stored)

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._queue.put_nowait(None)


class EventHub:
    """The reader of new events of one server process and the subscriptions it feeds.

    The reader thread starts with the first subscription, so a process that
    never serves a stream never reads the log, and no thread exists before
    a server forks its workers.
    """

    def __init__(self, engine: Engine, session_factory: sessionmaker, poll_seconds: float) -> None:
        self._engine = engine
        self._session_factory = session_factory
        self._poll_seconds = poll_seconds
        self._lock = threading.Lock()
        # Weak, so a subscription whose response never started streaming (the client
        # left first, and the generator's cleanup never ran) is dropped with it.
        self._subscriptions: dict[int, weakref.WeakSet[Subscription]] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._last_id = 0
        self._closed = False
        # True after a failed read, so a database outage is logged once, not once per retry.
        self._failing = False
        event.listen(session_factory, "after_commit", self._after_commit)

    def subscribe(self, account_id: int, loop: asyncio.AbstractEventLoop) -> Subscription:
        """Return a subscription to the account's events committed from now on.

        Blocks on the database when it starts the reader, so call it from a
        worker thread. On a closed hub the subscription is ended at once.
        """
        subscription = Subscription(self, account_id, loop)
        with self._lock:
            if self._closed:
                subscription.end_threadsafe()
                return subscription
            if self._thread is None:
                self._start_reader()
            self._subscriptions.setdefault(account_id, weakref.WeakSet()).add(subscription)
        return subscription

    def close(self) -> None:
        """End every subscription and stop the reader; later calls do nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subscriptions = [s for group in self._subscriptions.values() for s in group]
            self._subscriptions.clear()
            thread = self._thread
        for subscription in subscriptions:
            subscription.end_threadsafe()
        self._stop.set()
        self._wake.set()
        if thread is not None:
            thread.join(_JOIN_TIMEOUT_SECONDS)
            if thread.is_alive():
                logger.error("event reader thread did not stop within %s s", _JOIN_TIMEOUT_SECONDS)
        logger.debug("event hub closed with %d open streams", len(subscriptions))

    def _unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            group = self._subscriptions.get(subscription.account_id)
            if group is not None:
                group.discard(subscription)
                if not group:
                    del self._subscriptions[subscription.account_id]

    def _after_commit(self, session: OrmSession) -> None:
        if session.info.pop(event_log.WROTE_EVENTS_KEY, False):
            self._wake.set()

    def _start_reader(self) -> None:
        # The starting point is read before any subscriber reads its opening
        # events, so an event committed in between reaches it one way or the other.
        with self._session_factory() as db:
            self._last_id = event_log.newest_id(db)
        if self._engine.dialect.name == "postgresql":
            target = self._listen_loop
        else:
            target = self._poll_loop
        self._thread = threading.Thread(target=target, name="session-event-reader", daemon=True)
        self._thread.start()
        logger.info("event reader started after event id %d (%s)", self._last_id, self._engine.dialect.name)

    def _poll_loop(self) -> None:
        # NOTE: an in-memory SQLite database ("sqlite://") shares one connection among all
        # threads, so this reader can see events of a transaction that has not committed yet.
        while not self._stop.is_set():
            self._wake.wait(self._poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                break
            if not self._catch_up():
                self._stop.wait(_RETRY_SECONDS)

    def _listen_loop(self) -> None:
        # Imported here, so a server on SQLite (such as the demo's) runs without psycopg.
        import psycopg

        while not self._stop.is_set():
            try:
                with self._listener_connection() as connection:
                    connection.execute(f"LISTEN {event_log.NOTIFY_CHANNEL}")
                    # Events committed while no listener was connected.
                    self._catch_up()
                    while not self._stop.is_set():
                        notified = False
                        for _ in connection.notifies(timeout=_LISTEN_TIMEOUT_SECONDS, stop_after=1):
                            notified = True
                        if notified or self._wake.is_set():
                            self._wake.clear()
                            self._catch_up()
            except psycopg.Error as error:
                self._report_failure("listening for session events", error)
                self._stop.wait(_RETRY_SECONDS)

    @contextlib.contextmanager
    def _listener_connection(self) -> Iterator[psycopg.Connection[Any]]:
        import psycopg

        args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
        connection = psycopg.connect(*args, **kwargs, autocommit=True)
        try:
            yield connection
        finally:
            connection.close()

    def _catch_up(self) -> bool:
        """Read every event after the last one read and deliver it; return False when the read failed."""
        try:
            while True:
                with self._session_factory() as db:
                    batch = event_log.events_after(db, self._last_id, limit=_BATCH_SIZE)
                if batch:
                    self._last_id = batch[-1].id
                    self._dispatch(batch)
                if len(batch) < _BATCH_SIZE:
                    break
        except SQLAlchemyError as error:
            self._report_failure("reading new session events", error)
            return False
        if self._failing:
            self._failing = False
            logger.info("reading session events works again after event id %d", self._last_id)
        return True

    def _report_failure(self, action: str, error: Exception) -> None:
        level = logging.DEBUG if self._failing else logging.WARNING
        logger.log(level, "%s failed: %s; retrying every %s s", action, error, _RETRY_SECONDS)
        self._failing = True

    def _dispatch(self, batch: list[StoredEvent]) -> None:
        by_account: dict[int, list[StoredEvent]] = {}
        for stored in batch:
            by_account.setdefault(stored.account_id, []).append(stored)
        targets: list[tuple[Subscription, list[StoredEvent]]] = []
        with self._lock:
            for account_id, events in by_account.items():
                group = self._subscriptions.get(account_id)
                if group is None:
                    continue
                targets.extend((subscription, events) for subscription in group)
                if not group:
                    del self._subscriptions[account_id]
        for subscription, events in targets:
            subscription.deliver_threadsafe(events)
