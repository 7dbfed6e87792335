"""Accessible names and descriptions, and the status badge as text for screen readers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_app.api.models import SessionList
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.sessions_model import Column, SessionsModel

from .conftest import NOW, build_session


@pytest.fixture
def window(qtbot) -> MainWindow:
    model = SessionsModel(clock=lambda: NOW)
    model.apply(SessionList(sessions=(build_session("s1"),), server_time=NOW, etag='"x"'))
    window = MainWindow(model)
    qtbot.addWidget(window)
    window.set_signed_in(True, "owner@example.com")
    return window


def _widgets(window: MainWindow) -> dict:
    return {
        "table": window.table,
        "filter": window.session_filter.field,
        "refresh button": window.toolbar.widgetForAction(window.refresh_action),
        "sign out others button": window.toolbar.widgetForAction(window.revoke_others_action),
        "details pane": window.details,
    }


@pytest.mark.parametrize("name", ["table", "filter", "refresh button", "sign out others button", "details pane"])
def test_widget_has_accessible_name(window, name):
    assert _widgets(window)[name].accessibleName()


@pytest.mark.parametrize("name", ["table", "filter", "refresh button", "sign out others button", "details pane"])
def test_widget_has_accessible_description(window, name):
    assert _widgets(window)[name].accessibleDescription()


def test_actions_cell_accessible_name(window):
    index = window.proxy.index(0, Column.ACTIONS)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "Actions for Chrome v142 - Windows"


def test_actions_cell_accessible_description(window):
    index = window.proxy.index(0, Column.ACTIONS)
    assert "Shift+F10" in index.data(Qt.ItemDataRole.AccessibleDescriptionRole)


def test_badge_accessible_text(window):
    index = window.proxy.index(0, Column.STATUS)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "Active"


def test_badge_display_text(window):
    index = window.proxy.index(0, Column.STATUS)
    assert index.data(Qt.ItemDataRole.DisplayRole) == "Active"


def test_unfamiliar_badge_text(window):
    window.model.set_unfamiliar("s1", True)
    index = window.proxy.index(0, Column.STATUS)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "Unfamiliar"
