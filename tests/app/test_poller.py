"""The poller and the monitor against transport faults injected with httpx.MockTransport."""

from __future__ import annotations

import random

import httpx
import pytest

from desktop_app.api.client import SessionsClient
from desktop_app.monitor import SessionMonitor
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.poller import Poller
from desktop_app.ui.sessions_model import SessionsModel
from desktop_app.ui.tray import Tray, TrayState
from desktop_app.ui.worker import TaskRunner

from .test_client import SESSION_JSON

GOOD_BODY = {"sessions": [SESSION_JSON, {**SESSION_JSON, "id": "other", "current": False, "status": "active"}], "server_time": "2026-12-04T12:00:00Z"}


class SwitchableServer:
    """A MockTransport handler whose response the test changes between polls."""

    def __init__(self) -> None:
        self.handler = self.good
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @staticmethod
    def good(request: httpx.Request) -> httpx.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return httpx.Response(200, json=GOOD_BODY, headers={"ETag": '"v1"'})


def _raise(exc):
    def handler(request):
        raise exc

    return handler


def _problem(status, code, headers=None):
    return lambda request: httpx.Response(status, json={"type": code, "title": code, "status": status}, headers=headers or {})


@pytest.fixture
def monitored(qtbot):
    server = SwitchableServer()
    runner = TaskRunner()
    window = MainWindow(SessionsModel())
    qtbot.addWidget(window)
    poller = Poller(runner, rng=random.Random(7))
    monitor = SessionMonitor(window, runner, Tray(), poller)
    client = SessionsClient("http://127.0.0.1:9", "token", transport=httpx.MockTransport(server))
    monitor.start(client, None)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    yield server, monitor, window
    poller.stop()
    runner.shutdown()
    client.close()


FAULTS = {
    "timeout": _raise(httpx.ReadTimeout("slow")),
    "connection refused": _raise(httpx.ConnectError("refused")),
    "server error": lambda request: httpx.Response(500, text="boom"),
    "malformed json": lambda request: httpx.Response(200, text="{nope", headers={"ETag": '"v2"'}),
    "wrong schema": lambda request: httpx.Response(200, json={"sessions": [{"id": 5}], "server_time": "x"}),
}


def _poll(qtbot, monitor):
    monitor.refresh()
    qtbot.waitUntil(lambda: not monitor.poller.in_flight, timeout=5000)


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_fault_goes_offline(qtbot, monitored, fault):
    server, monitor, window = monitored
    server.handler = fault
    _poll(qtbot, monitor)
    assert monitor.poller.offline


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_fault_keeps_list(qtbot, monitored, fault):
    server, monitor, window = monitored
    server.handler = fault
    _poll(qtbot, monitor)
    assert window.model.rowCount() == 2


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_fault_shows_offline_status(qtbot, monitored, fault):
    server, monitor, window = monitored
    server.handler = fault
    _poll(qtbot, monitor)
    assert window.status_label.text().startswith("Offline — last updated")


def test_fault_sets_offline_tray(qtbot, monitored):
    server, monitor, window = monitored
    server.handler = FAULTS["timeout"]
    _poll(qtbot, monitor)
    assert monitor.tray.state == TrayState.OFFLINE


def test_backoff_grows_and_caps(qtbot, monitored):
    server, monitor, window = monitored
    server.handler = FAULTS["connection refused"]
    delays = []
    for _ in range(9):
        _poll(qtbot, monitor)
        delays.append(monitor.poller.next_delay)
    assert delays[0] < 5.0 + 1e-9
    assert delays[3] > delays[0]
    assert max(delays) <= 300.0
    assert delays[-1] >= 150.0


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_obeyed(qtbot, monitored, status):
    server, monitor, window = monitored
    server.handler = _problem(status, "busy", {"Retry-After": "42"})
    _poll(qtbot, monitor)
    assert monitor.poller.next_delay == 42


def test_recovery_clears_offline(qtbot, monitored):
    server, monitor, window = monitored
    server.handler = FAULTS["server error"]
    _poll(qtbot, monitor)
    server.handler = server.good
    _poll(qtbot, monitor)
    assert not monitor.poller.offline
    assert monitor.tray.state == TrayState.NORMAL
    assert monitor.poller.next_delay == monitor.poller.interval


def test_unauthorized_stops_polling(qtbot, monitored):
    server, monitor, window = monitored
    server.handler = _problem(401, "unauthorized")
    with qtbot.waitSignal(monitor.sig_unauthorized, timeout=5000):
        monitor.refresh()
    assert not monitor.poller.running


def test_unauthorized_sends_no_more_requests(qtbot, monitored):
    server, monitor, window = monitored
    server.handler = _problem(401, "unauthorized")
    with qtbot.waitSignal(monitor.sig_unauthorized, timeout=5000):
        monitor.refresh()
    count = len(server.requests)
    monitor.refresh()
    qtbot.wait(200)
    assert len(server.requests) == count


def test_unchanged_poll_sends_etag(qtbot, monitored):
    server, monitor, window = monitored
    _poll(qtbot, monitor)
    assert server.requests[-1].headers["If-None-Match"] == '"v1"'


def test_not_modified_keeps_rows(qtbot, monitored):
    server, monitor, window = monitored
    _poll(qtbot, monitor)
    assert window.model.rowCount() == 2


def test_one_request_in_flight(qtbot, monitored):
    server, monitor, window = monitored
    count = len(server.requests)
    monitor.refresh()
    monitor.refresh()
    monitor.refresh()
    qtbot.waitUntil(lambda: not monitor.poller.in_flight, timeout=5000)
    assert len(server.requests) == count + 1


def test_interval_is_clamped(qtbot, monitored):
    server, monitor, window = monitored
    monitor.poller.set_interval(1)
    assert monitor.poller.interval == 10
