"""The events stream client: the SSE decoder, and the reader against a misbehaving local server."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

import httpx
import pytest

from desktop_app.api.client import USER_AGENT, SessionsClient
from desktop_app.api.events import EventStreamReader, SseDecoder, StreamEvent, StreamProtocolError

from .sse_server import FakeEventsServer, live, script, silent, silent_after_headers, sse, status, wrong_content_type

TOKEN = "token-for-the-stream"


# The decoder


def decode(*chunks: bytes, decoder: SseDecoder | None = None) -> list:
    decoder = decoder or SseDecoder()
    events = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events


def test_decoder_reads_fields():
    (event,) = decode(b'id: 7\nevent: session.created\ndata: {"a": 1}\n\n')
    assert (event.type, event.id, event.data) == ("session.created", "7", '{"a": 1}')


def test_decoder_joins_data_lines():
    (event,) = decode(b"data: one\ndata: two\n\n")
    assert event.data == "one\ntwo"


def test_decoder_default_type_is_message():
    (event,) = decode(b"data: x\n\n")
    assert event.type == "message"


@pytest.mark.parametrize("newline", [b"\r\n", b"\r", b"\n"], ids=["crlf", "cr", "lf"])
def test_decoder_line_endings(newline):
    events = decode(newline.join([b"id: 1", b"event: e", b"data: x", b"", b""]))
    assert [(e.type, e.id, e.data) for e in events] == [("e", "1", "x")]


def test_decoder_crlf_split_across_chunks():
    events = decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n")
    assert [e.data for e in events] == ["a\nb"]


def test_decoder_byte_by_byte():
    body = sse("session.revoked", 42, {"session_id": "é"})
    events = decode(*(body[i : i + 1] for i in range(len(body))))
    assert [(e.type, e.id) for e in events] == [("session.revoked", "42")]


def test_decoder_ignores_comments():
    assert decode(b": heartbeat\n\n: another\n\n") == []


def test_decoder_keeps_id_of_event_without_data():
    decoder = SseDecoder()
    decode(b"id: 9\nevent: nothing\n\n", decoder=decoder)
    assert decoder.last_event_id == "9"


def test_decoder_does_not_dispatch_event_without_data():
    assert decode(b"id: 9\nevent: nothing\n\n") == []


def test_decoder_reads_retry():
    decoder = SseDecoder()
    decode(b"retry: 3000\n\n", decoder=decoder)
    assert decoder.retry_ms == 3000


def test_decoder_ignores_bad_retry():
    decoder = SseDecoder()
    decode(b"retry: soon\n\n", decoder=decoder)
    assert decoder.retry_ms is None


def test_decoder_strips_byte_order_mark():
    (event,) = decode("\ufeffdata: x\n\n".encode())
    assert event.data == "x"


def test_decoder_keeps_partial_event_pending():
    assert decode(b"id: 3\nevent: session.created\ndata: {") == []


def test_decoder_rejects_long_line():
    decoder = SseDecoder(max_line_bytes=1024)
    with pytest.raises(StreamProtocolError):
        decode(b"data: " + b"x" * 600, b"y" * 600, decoder=decoder)


def test_decoder_rejects_long_line_in_one_chunk():
    decoder = SseDecoder(max_line_bytes=1024)
    with pytest.raises(StreamProtocolError):
        decode(b"data: " + b"x" * 2000 + b"\n", decoder=decoder)


def test_decoder_accepts_line_at_limit():
    decoder = SseDecoder(max_line_bytes=1024)
    (event,) = decode(b"data: " + b"x" * 1018 + b"\n\n", decoder=decoder)
    assert len(event.data) == 1018


def test_decoder_rejects_large_event():
    decoder = SseDecoder(max_line_bytes=1024, max_event_bytes=4096)
    with pytest.raises(StreamProtocolError):
        decode(*([b"data: " + b"x" * 1000 + b"\n"] * 5), decoder=decoder)


def test_decoder_replaces_invalid_utf8():
    (event,) = decode(b"data: \xff\n\n")
    assert event.data == "\ufffd"


# The reader against the local server


@dataclass
class Recorder:
    """A StreamListener that queues what the reader reports."""

    calls: queue.Queue = field(default_factory=queue.Queue)

    def stream_connected(self) -> None:
        self.calls.put(("connected", None))

    def stream_event(self, event: StreamEvent) -> None:
        self.calls.put(("event", event))

    def stream_down(self, reason: str) -> None:
        self.calls.put(("down", reason))

    def stream_unauthorized(self) -> None:
        self.calls.put(("unauthorized", None))

    def stream_unsupported(self) -> None:
        self.calls.put(("unsupported", None))

    def wait_for(self, kind: str, timeout: float = 15.0):
        """Return the argument of the next call of `kind`, skipping other calls."""
        while True:
            try:
                seen, argument = self.calls.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"the reader reported no {kind!r} within {timeout} s") from None
            if seen == kind:
                return argument


@dataclass
class RunningReader:
    reader: EventStreamReader
    recorder: Recorder
    thread: threading.Thread
    delays: list[tuple[int, float | None]]


@pytest.fixture
def fake():
    server = FakeEventsServer().start()
    yield server
    server.stop()


@pytest.fixture
def start_reader(fake):
    started: list[RunningReader] = []

    def start(*behaviours, read_timeout: float = 15.0, last_event_id: str = "") -> RunningReader:
        if behaviours:
            fake.stream_behaviours = list(behaviours)
        delays: list[tuple[int, float | None]] = []

        def retry_delay(failures: int, retry_after: float | None) -> float:
            delays.append((failures, retry_after))
            return 0.01

        client = SessionsClient(fake.url, TOKEN)
        http = client.new_event_stream_http(httpx.Timeout(5.0, read=read_timeout))
        client.close()
        recorder = Recorder()
        reader = EventStreamReader(http, TOKEN, recorder, retry_delay=retry_delay, last_event_id=last_event_id)
        thread = threading.Thread(target=reader.run, daemon=True)
        thread.start()
        running = RunningReader(reader, recorder, thread, delays)
        started.append(running)
        return running

    yield start
    for running in started:
        running.reader.stop()
        running.thread.join(10)


def wait_for_requests(fake: FakeEventsServer, count: int, timeout: float = 15.0) -> None:
    finished = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if len(fake.stream_requests) >= count:
            return
        finished.wait(0.02)
    raise AssertionError(f"the server saw {len(fake.stream_requests)} stream requests, expected {count}")


def test_reader_reports_ready(start_reader):
    running = start_reader(live(ready_id=5))
    assert running.recorder.wait_for("connected") is None


def test_reader_sends_token(fake, start_reader):
    running = start_reader(live(ready_id=5))
    running.recorder.wait_for("connected")
    assert fake.stream_requests[0]["Authorization"] == f"Bearer {TOKEN}"


def test_reader_sends_headers(fake, start_reader):
    running = start_reader(live(ready_id=5))
    running.recorder.wait_for("connected")
    headers = fake.stream_requests[0]
    assert headers["Accept"] == "text/event-stream"
    assert headers["User-Agent"] == USER_AGENT
    assert "Last-Event-ID" not in headers


def test_reader_delivers_event(fake, start_reader):
    running = start_reader(live(ready_id=5))
    running.recorder.wait_for("connected")
    fake.push(sse("session.created", 6, {"session_id": "abc", "occurred_at": "2026-12-04T21:50:00Z"}))
    event = running.recorder.wait_for("event")
    assert (event.type, event.id, event.session_id) == ("session.created", "6", "abc")


def test_reader_reconnects_with_last_event_id(fake, start_reader):
    running = start_reader(script(sse("ready", 5, {"last_event_id": 5}), sse("session.updated", 8, {"session_id": "x"})), live(ready_id=8))
    running.recorder.wait_for("down")
    running.recorder.wait_for("connected")
    assert fake.stream_requests[1]["Last-Event-ID"] == "8"


def test_reader_last_event_id_from_ready(fake, start_reader):
    running = start_reader(script(sse("ready", 1207, {"last_event_id": 1207})), live(ready_id=1207))
    running.recorder.wait_for("down")
    running.recorder.wait_for("connected")
    assert fake.stream_requests[1]["Last-Event-ID"] == "1207"


def test_reader_last_event_id_from_reset(fake, start_reader):
    running = start_reader(script(sse("reset", 40, {}), sse("ready", 40, {"last_event_id": 40})), live(ready_id=40), last_event_id="3")
    running.recorder.wait_for("event")
    running.recorder.wait_for("connected")
    running.recorder.wait_for("connected")
    assert [headers["Last-Event-ID"] for headers in fake.stream_requests[:2]] == ["3", "40"]


def test_reader_delivers_reset(start_reader):
    running = start_reader(live(ready_id=40, before_ready=sse("reset", 40, {})), last_event_id="3")
    event = running.recorder.wait_for("event")
    assert event.type == "reset"


def test_reader_unauthorized_stops(fake, start_reader):
    running = start_reader(status(401))
    running.recorder.wait_for("unauthorized")
    running.thread.join(10)
    assert len(fake.stream_requests) == 1


@pytest.mark.parametrize("code", [404, 405])
def test_reader_not_found_is_unsupported(fake, start_reader, code):
    running = start_reader(status(code))
    running.recorder.wait_for("unsupported")
    running.thread.join(10)
    assert len(fake.stream_requests) == 1


def test_reader_backs_off_on_errors(fake, start_reader):
    running = start_reader(status(500), status(500), status(500), live(ready_id=1))
    running.recorder.wait_for("connected")
    assert running.delays == [(1, None), (2, None), (3, None)]


def test_reader_backoff_resets_after_ready(fake, start_reader):
    running = start_reader(status(500), status(500), script(sse("ready", 1, {})), status(500), live(ready_id=1))
    running.recorder.wait_for("connected")
    running.recorder.wait_for("connected")
    assert [failures for failures, _ in running.delays] == [1, 2, 1, 2]


def test_reader_obeys_retry_after(start_reader):
    running = start_reader(status(503, {"Retry-After": "42"}), live(ready_id=1))
    running.recorder.wait_for("connected")
    assert running.delays == [(1, 42.0)]


def test_reader_default_delay_uses_schedule(fake):
    fake.stream_behaviours = [status(503, {"Retry-After": "0"}), live(ready_id=1)]
    recorder = Recorder()
    client = SessionsClient(fake.url, TOKEN)
    reader = EventStreamReader(client.new_event_stream_http(httpx.Timeout(5.0)), TOKEN, recorder)
    thread = threading.Thread(target=reader.run, daemon=True)
    thread.start()
    try:
        recorder.wait_for("connected")
    finally:
        reader.stop()
        thread.join(10)
        client.close()
    assert len(fake.stream_requests) == 2


def test_reader_drop_mid_event_skips_partial(start_reader):
    partial = sse("session.created", 9, {"session_id": "half"})[:-12]
    running = start_reader(script(sse("ready", 5, {}), partial), live(ready_id=9))
    running.recorder.wait_for("down")
    running.recorder.wait_for("connected")
    assert running.recorder.calls.empty()


def test_reader_drop_mid_event_resumes_before_it(fake, start_reader):
    partial = sse("session.created", 9, {"session_id": "half"})[:-12]
    running = start_reader(script(sse("ready", 5, {}), partial), live(ready_id=9))
    running.recorder.wait_for("down")
    running.recorder.wait_for("connected")
    assert fake.stream_requests[1]["Last-Event-ID"] == "5"


def test_reader_ignores_malformed_data(fake, start_reader):
    running = start_reader(live(ready_id=1))
    running.recorder.wait_for("connected")
    fake.push(b"id: 2\nevent: session.created\ndata: {not json\n\n")
    fake.push(sse("session.created", 3, {"session_id": "good"}))
    event = running.recorder.wait_for("event")
    assert event.session_id == "good"


def test_reader_malformed_data_keeps_connection(fake, start_reader):
    running = start_reader(live(ready_id=1))
    running.recorder.wait_for("connected")
    fake.push(b"id: 2\nevent: session.created\ndata: [1, 2]\n\n")
    fake.push(sse("session.created", 3, {"session_id": "good"}))
    running.recorder.wait_for("event")
    assert len(fake.stream_requests) == 1


def test_reader_ignores_id_that_is_not_a_number(fake, start_reader):
    running = start_reader(script(sse("ready", 5, {}), b"id: abc\nevent: session.created\ndata: {}\n\n"), live(ready_id=5))
    running.recorder.wait_for("down")
    running.recorder.wait_for("connected")
    assert fake.stream_requests[1]["Last-Event-ID"] == "5"


def test_reader_huge_line_reconnects(fake, start_reader):
    huge = b"data: " + b"x" * (2 * 1024 * 1024)
    running = start_reader(script(sse("ready", 5, {}), huge), live(ready_id=5))
    reason = running.recorder.wait_for("down")
    running.recorder.wait_for("connected")
    assert "malformed" in reason


def test_reader_silent_server_times_out(start_reader):
    running = start_reader(silent_after_headers, live(ready_id=1), read_timeout=0.5)
    reason = running.recorder.wait_for("down")
    assert "No data" in reason


def test_reader_no_response_times_out(start_reader):
    running = start_reader(silent, live(ready_id=1), read_timeout=0.5)
    reason = running.recorder.wait_for("down")
    assert "No data" in reason


def test_reader_wrong_content_type_is_down(start_reader):
    running = start_reader(wrong_content_type, live(ready_id=1))
    reason = running.recorder.wait_for("down")
    assert "text/html" in reason


def test_reader_rejected_last_event_id_dropped(fake, start_reader):
    running = start_reader(status(400), live(ready_id=1), last_event_id="12")
    running.recorder.wait_for("connected")
    assert "Last-Event-ID" not in fake.stream_requests[1]


def test_reader_invalid_initial_id_not_sent(fake, start_reader):
    running = start_reader(live(ready_id=1), last_event_id="12; drop")
    running.recorder.wait_for("connected")
    assert "Last-Event-ID" not in fake.stream_requests[0]


def test_reader_stop_ends_blocked_read(fake, start_reader):
    running = start_reader(silent_after_headers, read_timeout=120.0)
    wait_for_requests(fake, 1)
    running.reader.stop()
    running.thread.join(10)
    assert not running.thread.is_alive()


def test_reader_stop_reports_nothing(fake, start_reader):
    running = start_reader(live(ready_id=1))
    running.recorder.wait_for("connected")
    running.reader.stop()
    running.thread.join(10)
    assert running.recorder.calls.empty()
