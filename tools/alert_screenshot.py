"""Take the README's alert screenshot: `session-guard --demo` with a tray, until the first alert.

    Xvfb :99 -screen 0 1280x800x24 &
    DISPLAY=:99 trayer --edge top --align right --width 10 --height 32 &
    DISPLAY=:99 .venv/bin/python tools/alert_screenshot.py docs/screenshots/alert.png

It runs the real `main()` with `--demo --demo-interval 20`, signs in through the
dialogs, waits for the first notification balloon and saves the screen's top part with
ImageMagick's `import`.
"""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import desktop_app.app as app_module
from desktop_app.controller import AppController
from desktop_app.ui import tray as tray_module
from desktop_app.ui.main_window import MainWindow

output = sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/alert.png"
state: dict[str, bool] = {}


def step() -> None:
    app = QApplication.instance()
    window = next(widget for widget in app.topLevelWidgets() if isinstance(widget, MainWindow))
    controller = window.findChildren(AppController)[0]
    if controller.demo and controller.sign_in_dialog and controller.sign_in_dialog.isVisible() and "password" not in state:
        state["password"] = True
        controller.sign_in_dialog.ok_button.click()
    elif controller.mfa_dialog and controller.mfa_dialog.isVisible() and "code" not in state:
        state["code"] = True
        controller.mfa_dialog.code_field.setText(controller.demo.current_code())
        controller.mfa_dialog.ok_button.click()
    if controller.monitor.alerts.notifications:
        QTimer.singleShot(800, lambda: save_and_quit(controller))
        return
    QTimer.singleShot(500, step)


def save_and_quit(controller: AppController) -> None:
    subprocess.run(["import", "-window", "root", "-crop", "1280x560+0+0", "+repage", output], check=True)
    controller.tray.quit_action.trigger()


original_start = tray_module.Tray.start


def start_then_drive(self: tray_module.Tray) -> None:
    original_start(self)
    QTimer.singleShot(1000, step)


tray_module.Tray.start = start_then_drive
sys.exit(app_module.main(["--demo", "--demo-interval", "20"]))
