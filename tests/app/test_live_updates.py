"""The monitor with the events stream: events make it poll, and the timer follows the stream's state.

The server is the scriptable local server in `sse_server`, because a real server
cannot drop a stream, fall silent or fail on demand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx
import pytest

from desktop_app.api.client import SessionsClient
from desktop_app.controller import AppController
from desktop_app.core.credentials import TokenStore
from desktop_app.monitor import SessionMonitor
from desktop_app.settings import EMAIL, SERVER_URL
from desktop_app.ui.event_stream import EventStream
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.poller import LIVE_SAFETY_INTERVAL, Poller
from desktop_app.ui.sessions_model import SessionsModel
from desktop_app.ui.tray import Tray
from desktop_app.ui.worker import TaskRunner

from .sse_server import OWN_SESSION_ID, FakeEventsServer, live, ready_then_silent, script, silent_after_headers, sse, status

USER_INTERVAL = 30.0
WAIT_MS = 10_000


@dataclass
class Watched:
    fake: FakeEventsServer
    monitor: SessionMonitor
    poller: Poller
    events: EventStream
    window: MainWindow

    @property
    def polls(self) -> int:
        return len(self.fake.sessions_requests)


@pytest.fixture
def fake():
    server = FakeEventsServer().start()
    yield server
    server.stop()


@pytest.fixture
def watch(qtbot, fake):
    cleanups = []

    def start(*behaviours, read_timeout: float = 10.0) -> Watched:
        fake.stream_behaviours = list(behaviours)
        runner = TaskRunner()
        window = MainWindow(SessionsModel())
        qtbot.addWidget(window)
        poller = Poller(runner, USER_INTERVAL, rng=random.Random(7))
        events = EventStream(timeout=httpx.Timeout(5.0, read=read_timeout), retry_delay=lambda failures, retry_after: 0.05)
        monitor = SessionMonitor(window, runner, Tray(), poller, events=events)
        client = SessionsClient(fake.url, "token")
        monitor.start(client, None)

        def cleanup() -> None:
            monitor.stop()
            events.wait_stopped(10)
            runner.shutdown()
            client.close()

        cleanups.append(cleanup)
        return Watched(fake, monitor, poller, events, window)

    yield start
    for cleanup in cleanups:
        cleanup()


def settle(qtbot, watched: Watched) -> None:
    """Wait until the stream is connected, the list is shown and no poll is due at once."""
    qtbot.waitUntil(lambda: watched.events.connected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: watched.window.model.rowCount() == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not watched.poller.in_flight and not watched.poller.poll_again, timeout=WAIT_MS)


def test_connected_uses_safety_interval(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    assert watched.poller.next_delay == LIVE_SAFETY_INTERVAL


def test_connected_polls_after_ready(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    assert watched.polls == 2


@pytest.mark.parametrize("event_type", ["session.created", "session.revoked", "session.updated", "reset"])
def test_event_triggers_poll(qtbot, watch, event_type):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    before = watched.polls
    watched.fake.push(sse(event_type, 2, {"session_id": "other"}))
    qtbot.waitUntil(lambda: watched.polls == before + 1, timeout=WAIT_MS)


def test_unknown_event_does_not_poll(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    before = watched.polls
    with qtbot.waitSignal(watched.events.sig_event, timeout=WAIT_MS):
        watched.fake.push(sse("account.updated", 2, {}))
    qtbot.wait(200)
    assert watched.polls == before


def test_session_event_keeps_etag(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    before = watched.polls
    watched.fake.push(sse("session.updated", 2, {"session_id": "other"}))
    qtbot.waitUntil(lambda: watched.polls == before + 1, timeout=WAIT_MS)
    assert watched.fake.sessions_requests[-1].get("If-None-Match") == '"v1"'


def test_reset_drops_etag(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    before = watched.polls
    watched.fake.push(sse("reset", 2, {}))
    qtbot.waitUntil(lambda: watched.polls == before + 1, timeout=WAIT_MS)
    assert "If-None-Match" not in watched.fake.sessions_requests[-1]


def test_events_during_poll_coalesce(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    before = watched.polls
    received = []
    watched.events.sig_event.connect(received.append)
    watched.fake.sessions_gate.clear()
    for event_id in range(2, 6):
        watched.fake.push(sse("session.created", event_id, {"session_id": f"new-{event_id}"}))
    qtbot.waitUntil(lambda: len(received) == 4, timeout=WAIT_MS)
    watched.fake.sessions_gate.set()
    qtbot.waitUntil(lambda: watched.polls == before + 2 and not watched.poller.in_flight, timeout=WAIT_MS)
    qtbot.wait(300)
    assert watched.polls == before + 2


def test_down_restores_user_interval(qtbot, watch):
    watched = watch(script(sse("ready", 1, {})), status(500))
    with qtbot.waitSignal(watched.events.sig_down, timeout=WAIT_MS):
        pass
    qtbot.waitUntil(lambda: not watched.poller.in_flight and not watched.poller.poll_again, timeout=WAIT_MS)
    assert watched.poller.next_delay == USER_INTERVAL


def test_down_leaves_live_mode(qtbot, watch):
    watched = watch(script(sse("ready", 1, {})), status(500))
    with qtbot.waitSignal(watched.events.sig_down, timeout=WAIT_MS):
        pass
    assert not watched.poller.live


def test_reconnect_polls_once(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    before = watched.polls
    with qtbot.waitSignal(watched.events.sig_down, timeout=WAIT_MS):
        watched.fake.end_stream()
    settle(qtbot, watched)
    qtbot.wait(300)
    assert watched.polls == before + 1


def test_reconnect_returns_to_safety_interval(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    with qtbot.waitSignal(watched.events.sig_down, timeout=WAIT_MS):
        watched.fake.end_stream()
    settle(qtbot, watched)
    assert watched.poller.next_delay == LIVE_SAFETY_INTERVAL


def test_reconnect_sends_last_event_id(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    watched.fake.push(sse("session.created", 17, {"session_id": "other"}))
    with qtbot.waitSignal(watched.events.sig_event, timeout=WAIT_MS):
        pass
    with qtbot.waitSignal(watched.events.sig_down, timeout=WAIT_MS):
        watched.fake.end_stream()
    qtbot.waitUntil(lambda: len(watched.fake.stream_requests) == 2, timeout=WAIT_MS)
    assert watched.fake.stream_requests[1]["Last-Event-ID"] == "17"


def test_silent_stream_falls_back_to_polling(qtbot, watch):
    watched = watch(ready_then_silent(ready_id=1), read_timeout=0.5)
    with qtbot.waitSignal(watched.events.sig_connected, timeout=WAIT_MS):
        pass
    with qtbot.waitSignal(watched.events.sig_down, timeout=WAIT_MS):
        pass
    qtbot.waitUntil(lambda: not watched.poller.in_flight and not watched.poller.poll_again, timeout=WAIT_MS)
    assert watched.poller.next_delay == USER_INTERVAL


def test_silent_before_ready_keeps_polling(qtbot, watch):
    watched = watch(silent_after_headers, read_timeout=0.5)
    with qtbot.waitSignal(watched.events.sig_down, timeout=WAIT_MS):
        pass
    qtbot.waitUntil(lambda: watched.window.model.rowCount() == 2 and not watched.poller.in_flight, timeout=WAIT_MS)
    assert watched.poller.next_delay == USER_INTERVAL


def test_not_found_stops_stream(qtbot, watch):
    watched = watch(status(404))
    with qtbot.waitSignal(watched.events.sig_unsupported, timeout=WAIT_MS):
        pass
    assert not watched.events.running


def test_not_found_keeps_polling(qtbot, watch):
    watched = watch(status(404))
    with qtbot.waitSignal(watched.events.sig_unsupported, timeout=WAIT_MS):
        pass
    qtbot.waitUntil(lambda: watched.window.model.rowCount() == 2 and not watched.poller.in_flight, timeout=WAIT_MS)
    assert watched.poller.next_delay == USER_INTERVAL


def test_not_found_connects_once(qtbot, watch):
    watched = watch(status(404))
    with qtbot.waitSignal(watched.events.sig_unsupported, timeout=WAIT_MS):
        pass
    qtbot.wait(300)
    assert len(watched.fake.stream_requests) == 1


def test_stream_unauthorized_signs_out(qtbot, watch):
    watched = watch(status(401))
    with qtbot.waitSignal(watched.monitor.sig_unauthorized, timeout=WAIT_MS):
        pass
    assert not watched.events.running


def test_own_session_revoked_signs_out(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    with qtbot.waitSignal(watched.monitor.sig_unauthorized, timeout=WAIT_MS):
        watched.fake.push(sse("session.revoked", 2, {"session_id": OWN_SESSION_ID}))
    assert not watched.events.running


def test_other_session_revoked_polls(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    signed_out = []
    watched.monitor.sig_unauthorized.connect(lambda: signed_out.append(True))
    before = watched.polls
    watched.fake.push(sse("session.revoked", 2, {"session_id": "other"}))
    qtbot.waitUntil(lambda: watched.polls == before + 1, timeout=WAIT_MS)
    assert signed_out == []


def test_status_says_live(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    assert watched.window.status_label.text().endswith("· live")


def test_status_shows_interval_when_down(qtbot, watch):
    watched = watch(status(404))
    with qtbot.waitSignal(watched.events.sig_unsupported, timeout=WAIT_MS):
        pass
    qtbot.waitUntil(lambda: watched.window.model.rowCount() == 2, timeout=WAIT_MS)
    assert watched.window.status_label.text().endswith("· checking every 30 s")


def test_stop_ends_stream_thread(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    watched.monitor.stop()
    assert watched.events.wait_stopped(10)


def test_stop_leaves_live_mode(qtbot, watch):
    watched = watch(live(ready_id=1))
    settle(qtbot, watched)
    watched.monitor.stop()
    assert not watched.poller.live


@pytest.fixture
def controller_with_saved_sign_in(qtbot, fake, settings, memory_keyring, tmp_path):
    """An AppController that reuses a saved sign-in for the local server."""
    fake.stream_behaviours = [live(ready_id=1)]
    settings.set(SERVER_URL, fake.url)
    settings.set(EMAIL, "owner@example.com")
    token_store = TokenStore(memory_keyring)
    token_store.save(fake.url, "owner@example.com", "saved-token")
    runner = TaskRunner()
    window = MainWindow(SessionsModel())
    qtbot.addWidget(window)
    controller = AppController(window, runner, settings, token_store, data_dir=tmp_path / "data")
    controller.start()
    qtbot.waitUntil(lambda: controller.events.connected, timeout=WAIT_MS)
    yield controller
    controller.shutdown()


def test_sign_out_stops_stream(qtbot, controller_with_saved_sign_in):
    controller = controller_with_saved_sign_in
    controller.sign_out()
    assert controller.events.wait_stopped(10)


def test_quit_stops_stream(qtbot, controller_with_saved_sign_in):
    controller = controller_with_saved_sign_in
    controller.shutdown()
    assert controller.events.wait_stopped(10)
