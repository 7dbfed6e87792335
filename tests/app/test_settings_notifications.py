"""The notification settings in the alert center: unfamiliar sign-ins on or off, and ended sessions."""

from __future__ import annotations

import pytest

from desktop_app.ui.alerts import AlertCenter, ended_sessions
from desktop_app.ui.sessions_model import SessionsModel
from desktop_app.ui.tray import Tray

from .conftest import build_session


@pytest.fixture
def tray(qtbot):
    return Tray()


@pytest.fixture
def alerts(tray):
    return AlertCenter(SessionsModel(), tray)


def test_ended_sessions_lists_missing(make_session):
    before = [make_session("a"), make_session("b")]
    assert [session.id for session in ended_sessions(before, [make_session("a")])] == ["b"]


def test_ended_sessions_skips_own_session(make_session):
    before = [make_session("own", current=True), make_session("b")]
    assert ended_sessions(before, []) == [make_session("b")]


def test_ended_sessions_ignores_new(make_session):
    assert ended_sessions([], [make_session("a")]) == []


def test_ended_notification_off_by_default(alerts, make_session):
    alerts.report_ended([make_session("a")])
    assert alerts.notifications == []


def test_ended_notification_when_on(alerts, make_session):
    alerts.notify_ended = True
    alerts.report_ended([make_session("a")])
    assert alerts.notifications[0][0] == "Session ended: Chrome v142 - Windows, Mumbai, IN"


def test_ended_notifications_grouped(alerts):
    alerts.notify_ended = True
    alerts.report_ended([build_session(str(number)) for number in range(7)])
    title, text = alerts.notifications[0]
    assert (title, text.splitlines()[5]) == ("7 sessions ended", "and 2 more")


def test_ended_notification_paused(alerts, tray, make_session):
    alerts.notify_ended = True
    tray.pause_action.setChecked(True)
    alerts.report_ended([make_session("a")])
    assert alerts.notifications == []


def test_alerts_off_shows_no_notification(alerts, make_session):
    alerts.enabled = False
    alerts.raise_alerts([make_session("a")])
    assert alerts.notifications == []


def test_alerts_off_still_marks_pending(alerts, make_session):
    alerts.enabled = False
    alerts.raise_alerts([make_session("a")])
    assert alerts.pending == ("a",)


def test_alerts_on_shows_notification(alerts, make_session):
    alerts.raise_alerts([make_session("a")])
    assert len(alerts.notifications) == 1
