"""Client for the session events stream, `GET /api/v1/sessions/events` (Server-Sent Events).

`EventStreamReader.run()` blocks: it connects, reads events, and after a failure
reconnects with back-off, sending `Last-Event-ID`. It returns after `stop()`, when the
server rejects the token (401), or when the server does not offer the stream (404,
or 405 from a server whose `DELETE /sessions/{id}` route matches the path). Run it
on a thread of its own, never on the GUI thread.
"""

from __future__ import annotations

import json
import logging
import random
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ..core import schedule
from ..i18n import translate
from .client import BearerAuth

log = logging.getLogger(__name__)

EVENTS_PATH = "/sessions/events"
HEARTBEAT_INTERVAL = 15.0  # seconds between the server's `: heartbeat` comments
# Three missed heartbeats mean the connection is dead, even when TCP has not noticed.
STREAM_TIMEOUT = httpx.Timeout(10.0, connect=5.0, read=3 * HEARTBEAT_INTERVAL)
MAX_LINE_BYTES = 64 * 1024
MAX_EVENT_BYTES = 64 * 1024

_NEWLINE = re.compile(rb"\r\n|\r|\n")
UNSUPPORTED_STATUSES = (404, 405)
_EVENT_ID = re.compile(r"[0-9]{1,19}")  # the ids the server accepts back in Last-Event-ID


class StreamProtocolError(Exception):
    """The stream broke the event-stream format or a size limit."""


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event: its type, its data lines joined by LF, and the last event ID so far."""

    type: str
    data: str
    id: str


class SseDecoder:
    """Incremental decoder of the `text/event-stream` format, as the WHATWG HTML standard defines it.

    `feed()` takes bytes as they arrive and returns the events they complete. A line
    longer than `max_line_bytes`, or an event whose data is larger than
    `max_event_bytes`, raises `StreamProtocolError`, so a misbehaving server cannot
    make the buffers grow without bound.
    """

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self.max_line_bytes = max_line_bytes
        self.max_event_bytes = max_event_bytes
        self.retry_ms: int | None = None
        self._line = bytearray()
        self._skip_lf = False  # The last chunk ended in CR, so an LF that starts the next one ends no line.
        self._first_line = True
        self._type = ""
        self._data: list[str] = []
        self._data_bytes = 0
        self._last_id = ""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        position = 0
        if self._skip_lf and chunk[:1] == b"\n":
            position = 1
        self._skip_lf = False

        while True:
            newline = _NEWLINE.search(chunk, position)
            if newline is None:
                break
            self._append(chunk[position : newline.start()])
            line = bytes(self._line)
            self._line.clear()
            if newline.group() == b"\r" and newline.end() == len(chunk):
                self._skip_lf = True
            event = self._process_line(line)
            if event is not None:
                events.append(event)
            position = newline.end()

        self._append(chunk[position:])
        return events

    def _append(self, part: bytes) -> None:
        if len(self._line) + len(part) > self.max_line_bytes:
            raise StreamProtocolError(f"A line of the event stream is longer than {self.max_line_bytes} bytes.")
        self._line += part

    def _process_line(self, raw: bytes) -> ServerSentEvent | None:
        line = raw.decode("utf-8", errors="replace")
        if self._first_line:
            self._first_line = False
            line = line.removeprefix("\ufeff")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # A comment, such as the server's heartbeat.

        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._type = value
        elif name == "data":
            self._data_bytes += len(raw) + 1
            if self._data_bytes > self.max_event_bytes:
                raise StreamProtocolError(f"An event of the event stream has more than {self.max_event_bytes} bytes of data.")
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self.retry_ms = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event_type = self._data, self._type
        self._data, self._data_bytes, self._type = [], 0, ""
        if not data:
            return None  # An event without data lines is not dispatched, but its id counts.
        return ServerSentEvent(type=event_type or "message", data="\n".join(data), id=self._last_id)

    @property
    def last_event_id(self) -> str:
        return self._last_id


@dataclass(frozen=True)
class StreamEvent:
    """A session event from the stream: its type (`session.created`, `reset`, …), id and JSON payload."""

    type: str
    id: str
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def session_id(self) -> str | None:
        value = self.payload.get("session_id")
        return value if isinstance(value, str) else None


class StreamListener(Protocol):
    """Receiver of the reader's reports; every method is called on the reader's thread."""

    def stream_connected(self) -> None: ...

    def stream_event(self, event: StreamEvent) -> None: ...

    def stream_down(self, reason: str) -> None: ...

    def stream_unauthorized(self) -> None: ...

    def stream_unsupported(self) -> None: ...


class _StreamDown(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _StreamRejected(Exception):
    """The server responded with 401 or a status of `UNSUPPORTED_STATUSES`, so the reader must not reconnect."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


RetryDelay = Callable[[int, "float | None"], float]


class EventStreamReader:
    """Reads the events stream of one signed-in account until stopped.

    `http` must come from `SessionsClient.new_event_stream_http()`; the reader closes
    it when `run()` returns. `retry_delay(failures, retry_after)` gives the seconds to
    wait before reconnecting; it defaults to `schedule.retry_delay`, and the wait is
    never shorter than the server's `retry:` value.
    """

    def __init__(
        self,
        http: httpx.Client,
        token: str,
        listener: StreamListener,
        *,
        last_event_id: str = "",
        retry_delay: RetryDelay | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._http = http
        self._token = token
        self._listener = listener
        self._last_event_id = last_event_id if _EVENT_ID.fullmatch(last_event_id) else ""
        rng = rng or random.Random()
        self._retry_delay = retry_delay or (lambda failures, retry_after: schedule.retry_delay(failures, retry_after, rng))
        self._server_retry: float | None = None
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._response: httpx.Response | None = None
        self.failures = 0

    @property
    def last_event_id(self) -> str:
        return self._last_event_id

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        """End `run()` soon; safe to call from any thread, and it does not block.

        An open stream's socket is shut down, which wakes the blocked read at once.
        A connection still being set up ends within the connect or read timeout.
        """
        self._stopped.set()
        with self._lock:
            response = self._response
        if response is not None:
            _shut_down_socket(response)

    def run(self) -> None:
        log.info("Live updates: connecting")
        try:
            self._run()
        finally:
            self._http.close()
            log.info("Live updates: stopped")

    def _run(self) -> None:
        while not self.stopped:
            retry_after = None
            try:
                self._read_stream()
                reason = translate("Events", "The server closed the live updates connection.")
            except _StreamRejected as rejected:
                if not self.stopped:
                    self._report_rejected(rejected.status)
                return
            except _StreamDown as down:
                reason, retry_after = down.reason, down.retry_after
            if self.stopped:
                return

            self.failures += 1
            delay = self._retry_delay(self.failures, retry_after)
            if self._server_retry is not None and retry_after is None:
                delay = max(delay, self._server_retry)
            log.warning("Live updates down, failure %d in a row: %s Reconnecting in %.1f s", self.failures, reason, delay)
            self._listener.stream_down(reason)
            self._stopped.wait(delay)

    def _report_rejected(self, status: int) -> None:
        if status == 401:
            log.info("Live updates: the server rejected the token")
            self._listener.stream_unauthorized()
        else:
            log.info("Live updates: the server does not offer %s (HTTP %s); polling only", EVENTS_PATH, status)
            self._listener.stream_unsupported()

    def _read_stream(self) -> None:
        """Read one connection until it ends; raise `_StreamDown` or `_StreamRejected` on failure."""
        headers = {"Cache-Control": "no-store"}
        if self._last_event_id:
            headers["Last-Event-ID"] = self._last_event_id
        try:
            with self._http.stream("GET", EVENTS_PATH, headers=headers, auth=BearerAuth(self._token)) as response:
                with self._lock:
                    self._response = response
                if self.stopped:
                    return
                self._check_response(response)
                decoder = SseDecoder()
                for chunk in response.iter_bytes():
                    for event in decoder.feed(chunk):
                        self._handle(event)
                        if self.stopped:
                            return
                    if decoder.retry_ms is not None:
                        self._server_retry = decoder.retry_ms / 1000
        except httpx.TimeoutException:
            seconds = self._http.timeout.read or 0
            raise _StreamDown(translate("Events", "No data from the server for {seconds:.0f} s.").format(seconds=seconds)) from None
        except httpx.TransportError as exc:
            raise _StreamDown(translate("Events", "The live updates connection failed ({error}).").format(error=type(exc).__name__)) from None
        except StreamProtocolError as exc:
            log.warning("Live updates: %s", exc)
            raise _StreamDown(translate("Events", "The server sent a malformed event stream.")) from None
        finally:
            with self._lock:
                self._response = None

    def _check_response(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 401 or status in UNSUPPORTED_STATUSES:
            raise _StreamRejected(status)
        if status == 400 and self._last_event_id:
            log.warning("Live updates: the server rejected Last-Event-ID %s; reconnecting without it", self._last_event_id)
            self._last_event_id = ""
        if status != 200:
            retry_after = response.headers.get("Retry-After", "")
            raise _StreamDown(
                translate("Events", "The server rejected the live updates request (HTTP {status}).").format(status=status),
                float(retry_after) if retry_after.isdigit() else None,
            )
        content_type = response.headers.get("Content-Type", "").partition(";")[0].strip().lower()
        if content_type != "text/event-stream":
            raise _StreamDown(translate("Events", "The server sent {type} instead of an event stream.").format(type=content_type[:60] or "?"))

    def _handle(self, event: ServerSentEvent) -> None:
        if _EVENT_ID.fullmatch(event.id):
            self._last_event_id = event.id
        elif event.id:
            log.warning("Live updates: ignoring the event id %r, which is not a decimal number", event.id[:40])

        if event.type == "ready":
            self.failures = 0
            log.info("Live updates: connected at event %s", self._last_event_id or "0")
            self._listener.stream_connected()
            return
        try:
            payload = json.loads(event.data)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            log.warning("Live updates: ignoring a %s event whose data is not a JSON object", event.type[:40])
            return
        self._listener.stream_event(StreamEvent(type=event.type, id=event.id, payload=payload))


def _shut_down_socket(response: httpx.Response) -> None:
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if not isinstance(sock, socket.socket):
        return  # An in-memory transport; the read ends with its own data.
    try:
        # The plain socket's shutdown, also for TLS: it wakes the reading thread without touching the TLS state that thread uses.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # Already closed.
