"""The session events stream on the Qt side: a reader thread whose findings arrive as signals.

The stream blocks for long, so it runs on a thread of its own, not on the GUI thread
and not on the `TaskRunner` worker that the polls and the actions share.
"""

from __future__ import annotations

import logging
import threading

import httpx
from PySide6.QtCore import QObject, Qt, Signal

from ..api.client import SessionsClient
from ..api.events import STREAM_TIMEOUT, EventStreamReader, RetryDelay, StreamEvent

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Signals emitted on the reader's thread; queued connections bring them to the GUI thread.

    Each carries the generation of the `EventStream.start()` call whose reader sent it.
    """

    sig_connected = Signal(int)
    sig_event = Signal(int, object)
    sig_down = Signal(int, str)
    sig_unauthorized = Signal(int)
    sig_unsupported = Signal(int)


class _RelayListener:
    def __init__(self, relay: _Relay, generation: int) -> None:
        self._relay = relay
        self._generation = generation

    def stream_connected(self) -> None:
        self._emit(self._relay.sig_connected)

    def stream_event(self, event: StreamEvent) -> None:
        self._emit(self._relay.sig_event, event)

    def stream_down(self, reason: str) -> None:
        self._emit(self._relay.sig_down, reason)

    def stream_unauthorized(self) -> None:
        self._emit(self._relay.sig_unauthorized)

    def stream_unsupported(self) -> None:
        self._emit(self._relay.sig_unsupported)

    def _emit(self, signal, *args) -> None:
        try:
            signal.emit(self._generation, *args)
        except RuntimeError:
            pass  # The relay was deleted at quit while this reader was still ending.


class EventStream(QObject):
    """Live session events for the signed-in account.

    sig_connected(): the server sent `ready`; events from now on arrive as they happen.
    sig_event(StreamEvent): a session event or a `reset`.
    sig_down(str): the connection failed or ended, with the reason; the reader reconnects.
    sig_unauthorized(): the server rejected the token, or the app's own session was
        revoked; the stream has stopped.
    sig_unsupported(): the server does not offer the stream (404 or 405); the stream has stopped.
    """

    sig_connected = Signal()
    sig_event = Signal(object)
    sig_down = Signal(str)
    sig_unauthorized = Signal()
    sig_unsupported = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        timeout: httpx.Timeout = STREAM_TIMEOUT,
        retry_delay: RetryDelay | None = None,
    ) -> None:
        super().__init__(parent)
        self._timeout = timeout
        self._retry_delay = retry_delay
        self._relay = _Relay(self)
        queued = Qt.ConnectionType.QueuedConnection
        self._relay.sig_connected.connect(self._on_connected, queued)
        self._relay.sig_event.connect(self._on_event, queued)
        self._relay.sig_down.connect(self._on_down, queued)
        self._relay.sig_unauthorized.connect(self._on_unauthorized, queued)
        self._relay.sig_unsupported.connect(self._on_unsupported, queued)
        self._generation = 0
        self._reader: EventStreamReader | None = None
        self._thread: threading.Thread | None = None
        self._own_session_id: str | None = None
        self.connected = False

    @property
    def running(self) -> bool:
        return self._reader is not None

    @property
    def last_event_id(self) -> str:
        return self._reader.last_event_id if self._reader is not None else ""

    def set_own_session_id(self, session_id: str | None) -> None:
        """Set the id of the app's own session, whose `session.revoked` means signed out."""
        self._own_session_id = session_id

    def start(self, client: SessionsClient) -> None:
        """Read `client`'s account's events on a new thread until `stop()`."""
        self.stop()
        token = client.token
        if not token:
            return
        self._generation += 1
        http = client.new_event_stream_http(self._timeout)
        self._reader = EventStreamReader(http, token, _RelayListener(self._relay, self._generation), retry_delay=self._retry_delay)
        self._thread = threading.Thread(target=self._reader.run, name="session-guard-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the reader without waiting for its thread; signals it still sends are dropped."""
        self._generation += 1
        reader, self._reader = self._reader, None
        self.connected = False
        self._own_session_id = None
        if reader is not None:
            reader.stop()

    def wait_stopped(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the last reader thread to end; return True if it did."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _current(self, generation: int) -> bool:
        return generation == self._generation and self._reader is not None

    def _on_connected(self, generation: int) -> None:
        if not self._current(generation):
            return
        self.connected = True
        self.sig_connected.emit()

    def _on_event(self, generation: int, event: StreamEvent) -> None:
        if not self._current(generation):
            return
        if event.type == "session.revoked" and self._own_session_id and event.session_id == self._own_session_id:
            log.info("Live updates: the app's own session %s was revoked", event.session_id)
            self.stop()
            self.sig_unauthorized.emit()
            return
        self.sig_event.emit(event)

    def _on_down(self, generation: int, reason: str) -> None:
        if not self._current(generation):
            return
        self.connected = False
        self.sig_down.emit(reason)

    def _on_unauthorized(self, generation: int) -> None:
        if not self._current(generation):
            return
        self.stop()
        self.sig_unauthorized.emit()

    def _on_unsupported(self, generation: int) -> None:
        if not self._current(generation):
            return
        self.stop()
        self.sig_unsupported.emit()
