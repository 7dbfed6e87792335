"""Take the README's screenshots of `session-guard --demo` under a real X display.

    Xvfb :99 -screen 0 1280x800x24 &
    DISPLAY=:99 .venv/bin/python tools/screenshots.py docs/screenshots
    DISPLAY=:99 .venv/bin/python tools/screenshots.py --scheme dark --only-sessions --name sessions-dark.png docs/screenshots
    DISPLAY=:99 .venv/bin/python tools/screenshots.py --scale 2 --only-sessions --name sessions-2x.png docs/screenshots

The script starts the demo like the command does, signs in through the dialogs with
the demo password and the live authenticator code, and saves PNG files of the window.
`--scheme` sets SESSION_GUARD_COLOR_SCHEME (the Fusion style with a light or dark
palette) and `--scale` sets QT_SCALE_FACTOR, so the shots do not depend on the
display's desktop theme.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_app import APP_NAME
from desktop_app.controller import AppController
from desktop_app.core.credentials import TokenStore
from desktop_app.demo import DemoEnvironment
from desktop_app.settings import Settings
from desktop_app.ui.looks import COLOR_SCHEME_VARIABLE, apply_color_scheme_override
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.sessions_model import SessionsModel
from desktop_app.ui.worker import TaskRunner


def main(out_dir: Path, sessions_name: str = "sessions.png", only_sessions: bool = False) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    apply_color_scheme_override(app)
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
        if not only_sessions:
            window.grab().save(str(out_dir / "sign-in.png"))
            controller.sign_in_dialog.grab().save(str(out_dir / "sign-in-dialog.png"))
        controller.sign_in_dialog.ok_button.click()
        wait_for(lambda: controller.mfa_dialog is not None and controller.mfa_dialog.isVisible(), enter_code)

    def enter_code():
        if not only_sessions:
            controller.mfa_dialog.grab().save(str(out_dir / "two-factor-dialog.png"))
        controller.mfa_dialog.code_field.setText(demo.account.current_code())
        controller.mfa_dialog.ok_button.click()
        wait_for(lambda: window.model.rowCount() > 5, signed_in)

    def signed_in():
        window.select_session(window.proxy.index(1, 0).data(0x0100 + 4))
        QTimer.singleShot(500, finish)

    def finish():
        window.grab().save(str(out_dir / sessions_name))
        controller.shutdown()
        demo.stop()
        app.quit()

    runner.submit(demo.start, lambda account: (controller.start_demo(account), wait_for(controller.sign_in_dialog.isVisible, sign_in)))
    return app.exec()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Take screenshots of session-guard --demo.")
    parser.add_argument("out_dir", nargs="?", type=Path, default=Path("docs/screenshots"), help="folder for the PNG files")
    parser.add_argument("--scheme", choices=("light", "dark"), help="colour scheme (default: the display's)")
    parser.add_argument("--scale", metavar="FACTOR", help="Qt scale factor, for example 2 for 200%% (default: the display's)")
    parser.add_argument("--name", default="sessions.png", help="file name of the sessions window shot (default: sessions.png)")
    parser.add_argument("--only-sessions", action="store_true", help="skip the sign-in dialog shots")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    # Qt reads both variables when QApplication starts.
    if arguments.scheme:
        os.environ[COLOR_SCHEME_VARIABLE] = arguments.scheme
    if arguments.scale:
        os.environ["QT_SCALE_FACTOR"] = arguments.scale
    sys.exit(main(arguments.out_dir, arguments.name, arguments.only_sessions))
