"""Keyboard access to the sessions table: the row menu, Delete, refresh and the filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from desktop_app.api.models import Device, Location, SessionList
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.sessions_model import Column, Role, SessionsModel

from .conftest import NOW, build_session


@pytest.fixture
def window(qtbot) -> MainWindow:
    model = SessionsModel(clock=lambda: NOW)
    model.apply(
        SessionList(
            sessions=(
                build_session("current", current=True, status="current", last_active_at=NOW - timedelta(minutes=1)),
                build_session(
                    "paris",
                    ip_address="81.250.0.7",
                    location=Location(city="Paris", region="Île-de-France", country_code="FR", country="France"),
                    device=Device(browser="Firefox", browser_version="133", os="Linux", device_type="desktop"),
                ),
                build_session(
                    "tokyo",
                    ip_address="126.0.0.9",
                    location=Location(city="Tokyo", region="Tokyo", country_code="JP", country="Japan"),
                    device=Device(browser="Safari", browser_version="18", os="iOS", device_type="mobile"),
                ),
            ),
            server_time=NOW,
            etag='"x"',
        )
    )
    window = MainWindow(model)
    qtbot.addWidget(window)
    window.set_signed_in(True, "owner@example.com")
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    return window


def _select(window: MainWindow, session_id: str) -> None:
    window.select_session(session_id)
    window.table.setFocus()


def _shown_ids(window: MainWindow) -> set[str]:
    return {window.proxy.index(row, 0).data(Role.SESSION_ID) for row in range(window.proxy.rowCount())}


@pytest.mark.parametrize("key, modifier", [(Qt.Key.Key_Menu, Qt.KeyboardModifier.NoModifier), (Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)])
def test_menu_keys_open_row_menu(qtbot, window, key, modifier):
    _select(window, "paris")
    qtbot.keyClick(window.table, key, modifier)
    qtbot.waitUntil(lambda: window.row_menu is not None and window.row_menu.isVisible())
    assert window.row_menu.findChild(type(window.row_menu.actions()[0]), "signOutSession") is not None


def test_menu_key_opens_menu_at_row(qtbot, window):
    _select(window, "tokyo")
    qtbot.keyClick(window.table, Qt.Key.Key_Menu)
    qtbot.waitUntil(lambda: window.row_menu is not None and window.row_menu.isVisible())
    index = window.table.currentIndex().siblingAtColumn(Column.DEVICE)
    row_bottom_left = window.table.viewport().mapToGlobal(window.table.visualRect(index).bottomLeft())
    assert window.row_menu.pos() == row_bottom_left


def test_menu_key_without_selection(qtbot, window):
    window.table.selectionModel().clear()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Menu)
    assert window.row_menu is None


def test_delete_asks_to_sign_out(qtbot, window):
    _select(window, "paris")
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert window.confirmation is not None and "Firefox v133 - Linux" in window.confirmation.text()


def test_delete_skips_current_session(qtbot, window):
    _select(window, "current")
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert window.confirmation is None


def test_delete_on_current_session_shows_reason(qtbot, window):
    _select(window, "current")
    box = window.confirm_revoke_selection()
    assert "the session Session Guard is using" in box.text()


def test_ctrl_r_requests_refresh(qtbot, window):
    window.table.setFocus()
    with qtbot.waitSignal(window.sig_refresh_requested, timeout=1000):
        qtbot.keyClick(window.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_f_focuses_filter(qtbot, window):
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.session_filter.field)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("firefox", {"paris"}),
        ("TOKYO", {"tokyo"}),
        ("126.0.0", {"tokyo"}),
        ("mumbai", {"current"}),
    ],
)
def test_filter_matches_device_location_ip(window, text, expected):
    window.session_filter.field.setText(text)
    assert _shown_ids(window) == expected


def test_filter_treats_text_literally(window):
    window.session_filter.field.setText(".*")
    assert _shown_ids(window) == set()


def test_filter_count_shows_filtered_rows(window):
    window.session_filter.field.setText("paris")
    assert window.session_filter.count_label.text() == "1 of 3 sessions"


def test_filter_count_hidden_without_filter(window):
    window.session_filter.field.setText("paris")
    window.session_filter.field.clear()
    assert window.session_filter.count_label.isHidden()


def test_escape_clears_filter(qtbot, window):
    window.session_filter.focus()
    qtbot.keyClicks(window.session_filter.field, "tokyo")
    qtbot.keyClick(window.session_filter.field, Qt.Key.Key_Escape)
    assert _shown_ids(window) == {"current", "paris", "tokyo"}


def test_second_escape_returns_to_table(qtbot, window):
    window.session_filter.focus()
    qtbot.keyClick(window.session_filter.field, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)


def test_tab_moves_from_filter_to_table(qtbot, window):
    window.session_filter.focus()
    qtbot.keyClick(window.session_filter.field, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)


def test_tab_moves_from_table_to_details(qtbot, window):
    _select(window, "paris")
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.details.findChild(QLineEdit, "details_device"))


def test_menus_have_mnemonics(window):
    titles = [action.text() for action in window.menuBar().actions()]
    assert all("&" in title for title in titles), titles


def test_menu_mnemonics_unique(window):
    letters = [action.text().split("&", 1)[1][0].lower() for action in window.menuBar().actions()]
    assert len(letters) == len(set(letters)), letters



def _mnemonics(menu) -> list[str]:
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    return [text.split("&", 1)[1][0].lower() for text in texts if "&" in text]


def test_menu_entries_mnemonics_unique(window):
    for menu_action in window.menuBar().actions():
        letters = _mnemonics(menu_action.menu())
        assert len(letters) == len(set(letters)), (menu_action.text(), letters)
