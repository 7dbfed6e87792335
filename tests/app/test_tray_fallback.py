"""Start-up behaviour without a system tray, one instance per user, and closing the window."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtNetwork import QLocalSocket

from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.sessions_model import SessionsModel
from desktop_app.ui.single_instance import SingleInstance
from desktop_app.ui.tray import Tray


def test_no_tray_reports_unavailable(qtbot):
    # The offscreen platform has no system tray.
    tray = Tray(wait_seconds=1)
    with qtbot.waitSignal(tray.sig_availability, timeout=5000) as blocker:
        tray.start()
    assert blocker.args == [False]


def test_no_tray_notification_not_shown(qtbot):
    tray = Tray(wait_seconds=1)
    with qtbot.waitSignal(tray.sig_availability, timeout=5000):
        tray.start()
    assert tray.notify("title", "text") is False


@pytest.fixture
def window(qtbot):
    main_window = MainWindow(SessionsModel())
    qtbot.addWidget(main_window)
    main_window.show()
    return main_window


def test_close_quits_without_tray(qtbot, window):
    with qtbot.waitSignal(window.sig_quit_requested, timeout=1000):
        window.close()


def test_close_hides_with_tray(qtbot, window):
    window.hide_on_close = True
    quits = []
    window.sig_quit_requested.connect(lambda: quits.append(True))
    window.close()
    assert quits == []
    assert not window.isVisible()


def test_in_window_alert_banner(qtbot, window):
    window.show_alert_banner("s1", "New sign-in: Chrome v142 - Android, Brazil")
    assert window.alert_banner.isVisible()


@pytest.fixture
def instance_name(tmp_path):
    return f"session-guard-test-{uuid.uuid4().hex[:12]}"


def test_first_instance_claims(qtbot, instance_name):
    first = SingleInstance(instance_name)
    assert first.claim() is True
    first.release()


def test_second_instance_defers(qtbot, instance_name):
    first = SingleInstance(instance_name)
    first.claim()
    assert SingleInstance(instance_name).claim() is False
    first.release()


def test_second_launch_shows_first(qtbot, instance_name):
    first = SingleInstance(instance_name)
    first.claim()
    with qtbot.waitSignal(first.sig_show_requested, timeout=5000):
        SingleInstance(instance_name).claim()
    first.release()


def test_minimized_second_launch_leaves_first_hidden(qtbot, instance_name):
    first = SingleInstance(instance_name)
    first.claim()
    show_requests: list[bool] = []
    first.sig_show_requested.connect(lambda: show_requests.append(True))
    SingleInstance(instance_name).claim(show_running=False)
    with qtbot.waitSignal(first.sig_show_requested, timeout=5000):
        SingleInstance(instance_name).claim()
    # Each connection's socket is deleted once its request is handled.
    qtbot.waitUntil(lambda: not first._server.findChildren(QLocalSocket), timeout=5000)
    first.release()
    assert show_requests == [True]
