"""Take the README's screenshots of `session-guard --demo` under a real X display.

    Xvfb :99 -screen 0 1280x800x24 &
    DISPLAY=:99 .venv/bin/python tools/screenshots.py docs/screenshots

The script starts the demo like the command does, signs in through the dialogs with
the demo password and the live authenticator code, and saves PNG files of the window.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_app import APP_NAME
from desktop_app.controller import AppController
from desktop_app.core.credentials import TokenStore
from desktop_app.demo import DemoEnvironment
from desktop_app.settings import Settings
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.sessions_model import SessionsModel
from desktop_app.ui.worker import TaskRunner


def main(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    runner = TaskRunner()
    window = MainWindow(SessionsModel())
    demo = DemoEnvironment()
    controller = AppController(window, runner, Settings(), TokenStore(), data_dir=demo.folder, remember_sign_in=False)
    window.resize(1100, 600)
    window.show()

    def wait_for(condition, then, attempts=200):
        if condition():
            then()
        elif attempts:
            QTimer.singleShot(100, lambda: wait_for(condition, then, attempts - 1))
        else:
            print("timed out", file=sys.stderr)
            app.exit(1)

    def sign_in():
        window.grab().save(str(out_dir / "sign-in.png"))
        controller.sign_in_dialog.grab().save(str(out_dir / "sign-in-dialog.png"))
        controller.sign_in_dialog.ok_button.click()
        wait_for(lambda: controller.mfa_dialog is not None and controller.mfa_dialog.isVisible(), enter_code)

    def enter_code():
        controller.mfa_dialog.grab().save(str(out_dir / "two-factor-dialog.png"))
        controller.mfa_dialog.code_field.setText(demo.account.current_code())
        controller.mfa_dialog.ok_button.click()
        wait_for(lambda: window.model.rowCount() > 5, signed_in)

    def signed_in():
        window.select_session(window.proxy.index(1, 0).data(0x0100 + 4))
        QTimer.singleShot(500, finish)

    def finish():
        window.grab().save(str(out_dir / "sessions.png"))
        controller.shutdown()
        demo.stop()
        app.quit()

    runner.submit(demo.start, lambda account: (controller.start_demo(account), wait_for(controller.sign_in_dialog.isVisible, sign_in)))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
