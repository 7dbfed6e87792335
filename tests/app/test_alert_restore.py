"""Alerts that an earlier run left unacknowledged, shown again by the alert center."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from desktop_app.api.models import SessionList
from desktop_app.ui.alerts import AlertCenter
from desktop_app.ui.sessions_model import Role, SessionsModel
from desktop_app.ui.tray import Tray

from .conftest import NOW, build_session

ALERTED_AT = datetime(2026, 12, 4, 21, 30, tzinfo=timezone.utc)


@pytest.fixture
def tray(qtbot):
    return Tray()


@pytest.fixture
def model():
    model = SessionsModel()
    model.apply(SessionList(sessions=tuple(build_session(str(number)) for number in range(7)), server_time=NOW, etag=None))
    return model


@pytest.fixture
def alerts(model, tray):
    return AlertCenter(model, tray)


def _restored(*session_ids):
    return [(build_session(session_id), ALERTED_AT) for session_id in session_ids]


def test_restored_alert_marks_row(alerts, model):
    alerts.restore_alerts(_restored("1"))
    assert model.index(model.row_of("1"), 0).data(Role.UNFAMILIAR) is True


def test_restored_alert_is_pending(alerts):
    alerts.restore_alerts(_restored("1", "2"))
    assert alerts.pending == ("1", "2")


def test_restored_alerts_one_notification(alerts):
    alerts.restore_alerts(_restored("1", "2"))
    assert [title for title, _ in alerts.notifications] == ["2 unfamiliar sign-ins still need your attention"]


def test_one_restored_alert_title(alerts):
    alerts.restore_alerts(_restored("1"))
    assert alerts.notifications[0][0] == "1 unfamiliar sign-in still needs your attention"


def test_restored_alerts_grouped_lines(alerts):
    alerts.restore_alerts(_restored(*(str(number) for number in range(7))))
    assert alerts.notifications[0][1].splitlines()[5] == "and 2 more"


def test_nothing_restored_stays_quiet(alerts):
    alerts.restore_alerts([])
    assert alerts.notifications == []


def test_restored_alerts_paused_not_shown(alerts, tray):
    tray.pause_action.setChecked(True)
    alerts.restore_alerts(_restored("1"))
    assert alerts.notifications == []


def test_restored_alerts_paused_still_pending(alerts, tray):
    tray.pause_action.setChecked(True)
    alerts.restore_alerts(_restored("1"))
    assert alerts.pending == ("1",)


def test_restored_alerts_off_not_shown(alerts):
    alerts.enabled = False
    alerts.restore_alerts(_restored("1"))
    assert alerts.notifications == []


def test_restored_alert_click_selects_session(alerts, tray):
    alerts.restore_alerts(_restored("3"))
    shown_ids = []
    alerts.sig_show_session.connect(shown_ids.append)
    tray.sig_message_clicked.emit()
    assert shown_ids == ["3"]
