"""A scriptable local HTTP server for fault injection on the events stream.

It serves `GET /api/v1/sessions` (a fixed list with an ETag) and
`GET /api/v1/sessions/events`, where each connection runs the next behaviour from
`stream_behaviours` (the last one repeats). Behaviours produce what a correct server
never sends on demand: dropped connections mid-event, malformed data, huge lines,
silence and error statuses.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .test_client import SESSION_JSON

SESSIONS_BODY = {
    "sessions": [SESSION_JSON, {**SESSION_JSON, "id": "other", "current": False, "status": "active"}],
    "server_time": "2026-12-04T12:00:00Z",
}
OWN_SESSION_ID = SESSION_JSON["id"]
ETAG = '"v1"'

Behaviour = Callable[["_Handler"], None]


def sse(event_type: str, event_id: int | None, data: object) -> bytes:
    """Encode one event; `data` that is not a str is sent as JSON."""
    text = data if isinstance(data, str) else json.dumps(data)
    lines = [] if event_id is None else [f"id: {event_id}"]
    lines += [f"event: {event_type}", f"data: {text}", "", ""]
    return "\n".join(lines).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        fake = self.server.fake
        if self.path == "/api/v1/sessions":
            fake.record_sessions_request(dict(self.headers))
            fake.sessions_gate.wait(30)
            if self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = json.dumps(SESSIONS_BODY).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("ETag", ETAG)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/api/v1/sessions/events":
            behaviour = fake.next_behaviour(dict(self.headers))
            self.close_connection = True
            try:
                behaviour(self)
            except OSError:
                pass  # The client went away.
            return
        self.send_error(404)

    def start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()

    def send_raw(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def send_status(self, status: int, headers: dict[str, str] | None = None) -> None:
        body = json.dumps({"type": "error", "title": "error", "status": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/problem+json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeEventsServer


class FakeEventsServer:
    """The scriptable server on a free loopback port; `url` is its base URL."""

    def __init__(self) -> None:
        self.stream_behaviours: list[Behaviour] = [live(ready_id=0)]
        self.stream_requests: list[dict[str, str]] = []
        self.sessions_requests: list[dict[str, str]] = []
        self.sessions_gate = threading.Event()
        self.sessions_gate.set()
        self.pushed: queue.Queue[bytes | None] = queue.Queue()
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeEventsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()
        self.pushed.put(None)
        self._httpd.shutdown()
        self._httpd.server_close()

    def push(self, data: bytes) -> None:
        """Send `data` on the open `live` stream."""
        self.pushed.put(data)

    def end_stream(self) -> None:
        """Close the open `live` stream; the next connection runs the next behaviour."""
        self.pushed.put(None)

    def next_behaviour(self, headers: dict[str, str]) -> Behaviour:
        with self._lock:
            self.stream_requests.append(headers)
            if len(self.stream_behaviours) > 1:
                return self.stream_behaviours.pop(0)
            return self.stream_behaviours[0]

    def record_sessions_request(self, headers: dict[str, str]) -> None:
        with self._lock:
            self.sessions_requests.append(headers)


def live(ready_id: int, before_ready: bytes = b"") -> Behaviour:
    """Send `before_ready`, then `ready`, then whatever the test pushes, until the server stops."""

    def behaviour(handler: _Handler) -> None:
        handler.start_stream()
        handler.send_raw(before_ready + sse("ready", ready_id, {"last_event_id": ready_id}))
        fake = handler.server.fake
        while not fake.closing.is_set():
            try:
                data = fake.pushed.get(timeout=0.1)
            except queue.Empty:
                handler.send_raw(b": heartbeat\n\n")  # Finds out when the client has gone.
                continue
            if data is None:
                return
            handler.send_raw(data)

    return behaviour


def script(*parts: bytes) -> Behaviour:
    """Send `parts` as the body of a 200 event stream, then close the connection."""

    def behaviour(handler: _Handler) -> None:
        handler.start_stream()
        for part in parts:
            handler.send_raw(part)

    return behaviour


def status(code: int, headers: dict[str, str] | None = None) -> Behaviour:
    return lambda handler: handler.send_status(code, headers)


def ready_then_silent(ready_id: int) -> Behaviour:
    """Send `ready`, then nothing, not even heartbeats, until the server stops."""

    def behaviour(handler: _Handler) -> None:
        handler.start_stream()
        handler.send_raw(sse("ready", ready_id, {"last_event_id": ready_id}))
        handler.server.fake.closing.wait(60)

    return behaviour


def silent_after_headers(handler: _Handler) -> None:
    handler.start_stream()
    handler.server.fake.closing.wait(60)


def silent(handler: _Handler) -> None:
    handler.server.fake.closing.wait(60)


def wrong_content_type(handler: _Handler) -> None:
    body = b"<html></html>"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.send_raw(body)
