"""Live updates through the events stream, against the live server.

Each test skips when the server responds 404 or 405 to `GET /api/v1/sessions/events`,
that is, when it does not offer the stream. A server without the route responds 405,
because `DELETE /sessions/{id}` matches the path. The app's poll interval is set to its maximum
(15 minutes) so that only the stream can bring a change within the test's wait.
"""

from __future__ import annotations

import httpx
import pytest

from desktop_app.api.events import UNSUPPORTED_STATUSES
from desktop_app.core.schedule import MAX_INTERVAL

from .conftest import WINDOWS_CHROME
from .test_sign_in_and_sessions import _sign_in

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
WAIT_MS = 10_000


def _offers_stream(account) -> bool:
    response = httpx.get(account.url + "/api/v1/sessions/events", headers={"Accept": "text/event-stream"})
    return response.status_code not in UNSUPPORTED_STATUSES


@pytest.fixture
def streaming_account(live_account):
    if not _offers_stream(live_account):
        pytest.skip("the server does not offer GET /api/v1/sessions/events")
    return live_account


def _live_app(qtbot, account, launch_app, expected_rows=1):
    """Sign the app in, set the longest poll interval and wait until the stream is connected and idle."""
    app = launch_app(account.url)
    _sign_in(qtbot, app, account, expected_rows)
    app.controller.set_poll_interval(MAX_INTERVAL)
    qtbot.waitUntil(lambda: app.controller.events.connected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not app.controller.poller.in_flight and not app.controller.poller.poll_again, timeout=WAIT_MS)
    return app


def test_sign_in_elsewhere_alerts(qtbot, streaming_account, launch_app):
    app = _live_app(qtbot, streaming_account, launch_app)
    streaming_account.sign_in_device(FIREFOX_LINUX, "200.160.2.3")
    qtbot.waitUntil(lambda: len(app.controller.monitor.alerts.notifications) == 1, timeout=WAIT_MS)
    assert app.window.model.rowCount() == 2


def test_revoke_elsewhere_updates_list(qtbot, streaming_account, launch_app):
    other_token = streaming_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = _live_app(qtbot, streaming_account, launch_app, expected_rows=2)
    with httpx.Client(base_url=streaming_account.url + "/api/v1", headers={"Authorization": f"Bearer {other_token}"}) as http:
        http.post("/auth/logout").raise_for_status()
    qtbot.waitUntil(lambda: app.window.model.rowCount() == 1, timeout=WAIT_MS)


def test_own_session_revoked_signs_out(qtbot, streaming_account, launch_app):
    other_token = streaming_account.sign_in_device(WINDOWS_CHROME, "49.36.0.1")
    app = _live_app(qtbot, streaming_account, launch_app, expected_rows=2)
    own = next(session.id for session in app.window.model.sessions() if session.current)
    with httpx.Client(base_url=streaming_account.url + "/api/v1", headers={"Authorization": f"Bearer {other_token}"}) as http:
        http.delete(f"/sessions/{own}").raise_for_status()
    qtbot.waitUntil(lambda: app.controller.client is None, timeout=WAIT_MS)
    assert not app.controller.events.running


def test_status_says_live(qtbot, streaming_account, launch_app):
    app = _live_app(qtbot, streaming_account, launch_app)
    assert app.window.status_label.text().endswith("· live")


def test_sign_out_stops_stream(qtbot, streaming_account, launch_app):
    app = _live_app(qtbot, streaming_account, launch_app)
    app.controller.sign_out()
    assert app.controller.events.wait_stopped(10)


def test_server_without_stream_polls_only(qtbot, live_account, launch_app):
    if _offers_stream(live_account):
        pytest.skip("the server offers GET /api/v1/sessions/events")
    app = launch_app(live_account.url)
    _sign_in(qtbot, app, live_account, expected_rows=1)
    qtbot.waitUntil(lambda: not app.controller.events.running, timeout=WAIT_MS)
    assert app.controller.poller.current_interval == app.controller.poller.interval
