"""The Help menu: About Session Guard, About Qt and the log folder."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from desktop_app import __version__
from desktop_app.ui.about import about_text
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.sessions_model import SessionsModel


@pytest.fixture
def window(qtbot) -> MainWindow:
    window = MainWindow(SessionsModel())
    qtbot.addWidget(window)
    return window


def test_about_names_version(qapp):
    assert __version__ in about_text()


def test_about_names_licence(qapp):
    assert "MIT licence" in about_text()


def test_about_has_geolite2_attribution(qapp):
    expected = 'This product includes GeoLite2 data created by MaxMind, available from <a href="https://www.maxmind.com">https://www.maxmind.com</a>.'
    assert expected in about_text()


def test_about_links_geolite2_licence(qapp):
    assert 'href="https://creativecommons.org/licenses/by-sa/4.0/"' in about_text()


def test_about_action_opens_box(window):
    window.help_menu.about_action.trigger()
    assert __version__ in window.help_menu.about_box.text()


def test_about_qt_action_present(window):
    assert window.help_menu.about_qt_action in window.help_menu.actions()


def test_log_folder_action_disabled_without_folder(window):
    assert not window.help_menu.open_log_action.isEnabled()


def test_log_folder_action_enabled_with_folder(window, tmp_path):
    window.help_menu.set_log_folder(tmp_path)
    assert window.help_menu.open_log_action.isEnabled()


def test_about_links_open_in_browser(window):
    window.help_menu.about_action.trigger()
    label = window.help_menu.about_box.findChild(QLabel, "qt_msgbox_label")
    assert label.openExternalLinks()
