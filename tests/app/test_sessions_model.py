"""The sessions table model, its proxy and the by-id updates."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from desktop_app.api.models import SessionList
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.sessions_model import Column, Role, SessionsModel, plan_update
from desktop_app.ui.sessions_proxy import SessionsProxy

from .conftest import NOW, build_session


def _listing(*sessions, server_time=NOW):
    return SessionList(sessions=tuple(sessions), server_time=server_time, etag='"x"')


def _model(*sessions) -> SessionsModel:
    model = SessionsModel(clock=lambda: NOW)
    model.apply(_listing(*sessions))
    return model


def _ids_in_view_order(proxy: SessionsProxy) -> list[str]:
    return [proxy.index(row, 0).data(Role.SESSION_ID) for row in range(proxy.rowCount())]


@pytest.fixture
def four_sessions():
    return [
        build_session("current", current=True, status="current", last_active_at=NOW - timedelta(minutes=20)),
        build_session("recent", last_active_at=NOW - timedelta(minutes=1)),
        build_session("days", last_active_at=NOW - timedelta(days=5)),
        build_session("hours", last_active_at=NOW - timedelta(hours=15)),
    ]


def test_model_passes_qtmodeltester(qtmodeltester, four_sessions):
    qtmodeltester.check(_model(*four_sessions))


def test_proxy_passes_qtmodeltester(qtmodeltester, four_sessions):
    proxy = SessionsProxy()
    proxy.setSourceModel(_model(*four_sessions))
    proxy.sort(Column.LAST_ACTIVE, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)


def test_display_labels(four_sessions):
    model = _model(*four_sessions)
    row = model.row_of("hours")
    assert model.index(row, Column.LAST_ACTIVE).data() == "15 hours ago"


def test_last_active_sorts_by_time_not_text(four_sessions):
    # As text, "15 hours ago" < "5 days ago" < "Active now"; by time the order differs.
    proxy = SessionsProxy()
    proxy.setSourceModel(_model(*four_sessions))
    proxy.sort(Column.LAST_ACTIVE, Qt.SortOrder.DescendingOrder)
    assert _ids_in_view_order(proxy) == ["current", "recent", "hours", "days"]


def test_current_first_in_ascending_order(four_sessions):
    proxy = SessionsProxy()
    proxy.setSourceModel(_model(*four_sessions))
    proxy.sort(Column.LAST_ACTIVE, Qt.SortOrder.AscendingOrder)
    assert _ids_in_view_order(proxy) == ["current", "days", "hours", "recent"]


def test_status_badge_role(four_sessions):
    model = _model(*four_sessions)
    statuses = [model.index(model.row_of(i), Column.STATUS).data(Role.STATUS) for i in ("current", "recent", "hours")]
    assert statuses == ["Current", "Active now", "Active"]


def test_skew_keeps_future_timestamp_active_now():
    # The server clock runs 8 s ahead of this computer's clock.
    ahead = NOW + timedelta(seconds=8)
    model = SessionsModel(clock=lambda: NOW)
    model.apply(_listing(build_session("a", last_active_at=ahead), server_time=ahead))
    assert model.index(0, Column.LAST_ACTIVE).data() == "Active now"


def test_skew_corrects_age():
    # The server clock is 2 hours behind: a session active "now" on the server is not 2 hours old.
    behind = NOW - timedelta(hours=2)
    model = SessionsModel(clock=lambda: NOW)
    model.apply(_listing(build_session("a", last_active_at=behind), server_time=behind))
    assert model.index(0, Column.LAST_ACTIVE).data() == "Active now"


def test_apply_inserts_removes_and_changes_without_reset(qtbot, four_sessions):
    model = _model(*four_sessions)
    resets = []
    model.modelReset.connect(lambda: resets.append(True))
    changed = replace(four_sessions[2], ip_address="88.198.0.1")
    model.apply(_listing(four_sessions[0], changed, four_sessions[3], build_session("new")))
    assert resets == []
    assert model.row_of("recent") is None
    assert model.row_of("new") is not None
    assert model.session_at(model.row_of("days")).ip_address == "88.198.0.1"


def _next_listing(four_sessions):
    """The four sessions with "recent" gone, "days" changed and "new" added."""
    changed = replace(four_sessions[2], ip_address="88.198.0.1")
    return _listing(four_sessions[0], changed, four_sessions[3], build_session("new"))


def test_planned_update_gives_the_same_rows(four_sessions):
    planned = _model(*four_sessions)
    compared_here = _model(*four_sessions)
    listing = _next_listing(four_sessions)
    planned.apply(listing, plan_update(planned.snapshot(), listing))
    compared_here.apply(listing)
    assert planned.sessions() == compared_here.sessions()


def test_planned_update_numbers_rows_by_id(four_sessions):
    model = _model(*four_sessions)
    listing = _next_listing(four_sessions)
    model.apply(listing, plan_update(model.snapshot(), listing))
    assert [model.row_of(session.id) for session in model.sessions()] == [0, 1, 2, 3]


def test_update_planned_before_a_removal_is_planned_again(four_sessions):
    model = _model(*four_sessions)
    listing = _next_listing(four_sessions)
    stale = plan_update(model.snapshot(), listing)
    model.remove("hours")
    model.apply(listing, stale)
    assert sorted(session.id for session in model.sessions()) == ["current", "days", "hours", "new"]


def test_selection_and_scroll_survive_apply(qtbot, settings):
    sessions = [build_session(f"s{i:03}", last_active_at=NOW - timedelta(minutes=10 + i)) for i in range(200)]
    model = SessionsModel(clock=lambda: NOW)
    window = MainWindow(model)
    qtbot.addWidget(window)
    window.resize(800, 400)
    window.show()
    model.apply(_listing(*sessions))

    window.select_session("s150")
    scrollbar = window.table.verticalScrollBar()
    scroll_before = scrollbar.value()
    assert scroll_before > 0

    # Remove a row below the selection, change one above it and add one at the end.
    updated = [s for s in sessions if s.id != "s180"]
    updated[10] = replace(updated[10], ip_address="88.198.0.1")
    updated.append(build_session("s999", last_active_at=NOW - timedelta(days=30)))
    model.apply(_listing(*updated))

    assert window.selected_session().id == "s150"
    assert scrollbar.value() == scroll_before


def test_remove_unknown_id_changes_nothing(four_sessions):
    model = _model(*four_sessions)
    assert model.remove("missing") is False
    assert model.rowCount() == 4


def test_filter_matches_ip_and_location(four_sessions):
    proxy = SessionsProxy()
    model = _model(*four_sessions, build_session("berlin", ip_address="88.198.0.1"))
    proxy.setSourceModel(model)
    proxy.setFilterFixedString("88.198")
    assert _ids_in_view_order(proxy) == ["berlin"]



def test_naive_timestamps_ignore_local_offset(monkeypatch):
    import time

    from desktop_app.api.models import parse_session_list

    from .test_client import SESSION_JSON

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    body = {"sessions": [{**SESSION_JSON, "last_active_at": "2026-12-04T12:00:00"}], "server_time": "2026-12-04T12:00:30Z"}
    model = SessionsModel(clock=lambda: NOW)
    model.apply(parse_session_list(body, None))
    monkeypatch.delenv("TZ")
    time.tzset()
    assert model.index(0, Column.LAST_ACTIVE).data() == "Active now"
