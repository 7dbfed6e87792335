"""Run `session-guard --minimized` for real under X with a tray host, and report what happened.

The tray test starts this file in a subprocess with DISPLAY set, because the Qt
platform (xcb here, offscreen elsewhere) is fixed once per process. It prints one JSON
object on its last line.

Environment: PROBE_SERVER, PROBE_EMAIL, PROBE_PASSWORD, PROBE_TOKEN and
PROBE_RECOVERY_CODE; XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_STATE_HOME (where the log
file goes) and TMPDIR point at the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx
import keyring
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import desktop_app.app as app_module
from desktop_app.controller import AppController
from desktop_app.core.credentials import SERVICE
from desktop_app.ui import tray as tray_module
from desktop_app.ui.main_window import MainWindow
from tests.app.conftest import MemoryKeyring

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
TIMEOUT_MS = 40_000

server_url = os.environ["PROBE_SERVER"]
email = os.environ["PROBE_EMAIL"]
report: dict[str, object] = {}


def store_sign_in() -> None:
    """Put the token in a test keyring and the account in the settings file, as a past run would."""
    backend = MemoryKeyring()
    backend.set_password(SERVICE, f"{email}@{server_url}", os.environ["PROBE_TOKEN"])
    keyring.set_keyring(backend)
    settings_file = Path(os.environ["XDG_CONFIG_HOME"]) / "Session Guard" / "Session Guard.conf"
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text(f"[account]\nserver_url={server_url}\nemail={email}\n", encoding="utf-8")


def sign_in_stranger() -> None:
    headers = {"User-Agent": FIREFOX_LINUX, "X-Forwarded-For": "200.160.2.3"}
    with httpx.Client(base_url=server_url + "/api/v1", headers=headers) as http:
        challenge = http.post("/auth/login", json={"email": email, "password": os.environ["PROBE_PASSWORD"]}).json()
        http.post("/auth/mfa", json={"mfa_token": challenge["mfa_token"], "code": os.environ["PROBE_RECOVERY_CODE"]}).raise_for_status()


def finish(tray: tray_module.Tray) -> None:
    print(json.dumps(report), flush=True)
    tray.quit_action.trigger()


def run_checks() -> None:
    app = QApplication.instance()
    window = next(widget for widget in app.topLevelWidgets() if isinstance(widget, MainWindow))
    controller = window.findChildren(AppController)[0]
    tray = controller.tray
    polls: list[object] = []
    controller.poller.sig_polled.connect(polls.append)
    QTimer.singleShot(TIMEOUT_MS, lambda: (report.setdefault("timed_out", True), finish(tray)))

    def wait(condition, then, step_ms=100):
        if condition():
            then()
        else:
            QTimer.singleShot(step_ms, lambda: wait(condition, then, step_ms))

    def on_first_poll():
        report["tray_available"] = bool(tray.available)
        report["icon_visible"] = tray.icon.isVisible()
        report["icon_geometry_empty"] = tray.icon.geometry().isEmpty()
        report["window_visible_when_minimized"] = window.isVisible()
        report["hide_on_close"] = window.hide_on_close
        # The events stream's `ready` also requests a poll, so Refresh now is
        # measured once the stream is connected and no poll is due.
        wait(lambda: controller.events.connected and not controller.poller.in_flight and not controller.poller.poll_again, refresh)

    def refresh():
        polls.clear()
        tray.refresh_action.trigger()
        wait(lambda: bool(polls) and not controller.poller.in_flight, on_refreshed)

    def on_refreshed():
        report["polls_after_refresh_now"] = len(polls)
        # The stream brings the stranger's sign-in without another Refresh now.
        sign_in_stranger()
        wait(lambda: bool(controller.monitor.alerts.notifications), on_alerted)

    def on_alerted():
        report["notifications"] = [title for title, _ in controller.monitor.alerts.notifications]
        report["tray_state"] = tray.state.name
        log_file = Path(os.environ["XDG_STATE_HOME"]) / "session-guard" / "log" / "session-guard.log"
        report["log_file_written"] = log_file.is_file() and log_file.stat().st_size > 0
        QTimer.singleShot(1000, check_balloon)

    def check_balloon():
        balloons = [w for w in app.topLevelWidgets() if w.metaObject().className() == "QBalloonTip" and w.isVisible()]
        report["balloon_visible"] = bool(balloons)
        finish(tray)

    wait(lambda: tray.available is not None and bool(polls), on_first_poll)


def main() -> int:
    store_sign_in()
    original_start = tray_module.Tray.start

    def start_then_check(self):
        original_start(self)
        QTimer.singleShot(0, run_checks)

    tray_module.Tray.start = start_then_check
    return app_module.main(["--minimized", "--server", server_url])


if __name__ == "__main__":
    sys.exit(main())
