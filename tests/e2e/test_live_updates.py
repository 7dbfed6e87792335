"""Live updates through the events stream, against the live server.

The app's poll interval is set to its maximum (15 minutes), so that only the stream
can bring a change within the test's wait. A server without the stream is simulated
by a transport that returns 405 for `GET /api/v1/sessions/events`, as a server
without the route does (`DELETE /sessions/{id}` matches the path), and passes every
other request to the live server.
"""

from __future__ import annotations

import httpx

from desktop_app.api.client import SessionsClient
from desktop_app.core.schedule import MAX_INTERVAL

from .conftest import WINDOWS_CHROME
from .test_sign_in_and_sessions import _sign_in

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
WAIT_MS = 10_000


class NoEventStream(httpx.BaseTransport):
    """Return 405 for the events stream and pass every other request to the live server."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sessions/events"):
            return httpx.Response(405, json={"detail": "Method Not Allowed"})
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def _live_app(qtbot, account, launch_app, expected_rows=1):
    """Sign the app in, set the longest poll interval and wait until the stream is connected and idle."""
    app = launch_app(account.url)
    _sign_in(qtbot, app, account, expected_rows)
    app.controller.set_poll_interval(MAX_INTERVAL)
    qtbot.waitUntil(lambda: app.controller.events.connected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not app.controller.poller.in_flight and not app.controller.poller.poll_again, timeout=WAIT_MS)
    return app


def test_sign_in_elsewhere_alerts(qtbot, live_account, launch_app):
    app = _live_app(qtbot, live_account, launch_app)
    live_account.sign_in_device(FIREFOX_LINUX, "200.160.2.3")
    qtbot.waitUntil(lambda: len(app.controller.monitor.alerts.notifications) == 1, timeout=WAIT_MS)
    assert app.window.model.rowCount() == 2


def test_revoke_elsewhere_updates_list(qtbot, live_account, launch_app):
    other_token = live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = _live_app(qtbot, live_account, launch_app, expected_rows=2)
    with httpx.Client(base_url=live_account.url + "/api/v1", headers={"Authorization": f"Bearer {other_token}"}) as http:
        http.post("/auth/logout").raise_for_status()
    qtbot.waitUntil(lambda: app.window.model.rowCount() == 1, timeout=WAIT_MS)


def test_own_session_revoked_signs_out(qtbot, live_account, launch_app):
    other_token = live_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = _live_app(qtbot, live_account, launch_app, expected_rows=2)
    own = next(session.id for session in app.window.model.sessions() if session.current)
    with httpx.Client(base_url=live_account.url + "/api/v1", headers={"Authorization": f"Bearer {other_token}"}) as http:
        http.delete(f"/sessions/{own}").raise_for_status()
    qtbot.waitUntil(lambda: app.controller.client is None, timeout=WAIT_MS)
    assert not app.controller.events.running


def test_status_says_live(qtbot, live_account, launch_app):
    app = _live_app(qtbot, live_account, launch_app)
    assert app.window.status_label.text().endswith("· live")


def test_sign_out_stops_stream(qtbot, live_account, launch_app):
    app = _live_app(qtbot, live_account, launch_app)
    app.controller.sign_out()
    assert app.controller.events.wait_stopped(10)


def test_server_without_stream_polls_only(qtbot, live_account, launch_app):
    transport = NoEventStream()
    app = launch_app(live_account.url, client_factory=lambda *args: SessionsClient(*args, transport=transport))
    _sign_in(qtbot, app, live_account, expected_rows=1)
    qtbot.waitUntil(lambda: not app.controller.events.running, timeout=WAIT_MS)
    assert app.controller.poller.current_interval == app.controller.poller.interval
