"""Take the README's and the user guide's screenshots of `session-guard --demo` under a real X display.

    Xvfb :99 -screen 0 1280x800x24 &
    DISPLAY=:99 .venv/bin/python tools/screenshots.py docs/screenshots
    DISPLAY=:99 .venv/bin/python tools/screenshots.py --scheme dark --only-sessions --name sessions-dark.png docs/screenshots
    DISPLAY=:99 .venv/bin/python tools/screenshots.py --scale 2 --only-sessions --name sessions-2x.png docs/screenshots

The user guide's shots (docs/user-guide.md), one command per palette, with a tray
panel running so that the alert and tray menu shots show the tray:

    DISPLAY=:99 trayer --edge top --align right --width 10 --height 32 &
    DISPLAY=:99 .venv/bin/python tools/screenshots.py --guide --scheme light docs/screenshots
    DISPLAY=:99 .venv/bin/python tools/screenshots.py --guide --scheme dark docs/screenshots
    optipng -quiet -o2 docs/screenshots/guide-*.png    # optional, from Debian's optipng

The script starts the demo like the command does, signs in through the dialogs with
the demo password and the live authenticator code, and saves PNG files of the window.
`--scheme` sets SESSION_GUARD_COLOR_SCHEME (the Fusion style with a light or dark
palette) and `--scale` sets QT_SCALE_FACTOR, so the shots do not depend on the
display's desktop theme.

`--guide` saves guide-<shot>-<scheme>.png: the sign-in and 2FA dialogs, the sessions
window, a row menu, the "Sign out all other sessions" confirmation and the Settings
dialog. It then lets demo devices sign in until one is unfamiliar and saves the alert.
With a tray, the tray menu shot and the alert shot are taken from the screen, so they
show the tray icon and the notification balloon. Without a tray the alert shows as a
banner in the window, and there is no tray menu shot. Nothing is saved to the app's
settings or the keyring.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QTimer
from PySide6.QtGui import QGuiApplication, QPixmap
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

# Seconds between the demo's simulated sign-ins while the guide waits for an alert.
GUIDE_VISITOR_INTERVAL = 3.0
# PNG quality 0 selects Qt's strongest zlib compression.
PNG_QUALITY = 0


def save(pixmap: QPixmap, path: Path) -> None:
    if not pixmap.save(str(path), "PNG", PNG_QUALITY):
        raise OSError(f"Failed to write {path}")
    print(f"saved {path}")


def grab_screen(rect: QRect) -> QPixmap:
    """Return the screen's pixels inside `rect`, popups and tray included."""
    return QGuiApplication.primaryScreen().grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())


def main(out_dir: Path, sessions_name: str = "sessions.png", only_sessions: bool = False, guide_scheme: str | None = None) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    apply_color_scheme_override(app)
    runner = TaskRunner()
    window = MainWindow(SessionsModel())
    demo = DemoEnvironment()
    controller = AppController(window, runner, Settings(), TokenStore(), data_dir=demo.folder, remember_sign_in=False)
    # The guide's window is taller, so that every demo session, the inactive ones too, fits in the table.
    window.resize(1100, 760 if guide_scheme else 600)
    window.move(0, 0)
    window.show()
    if guide_scheme:
        controller.tray.start()

    def guide_path(shot: str) -> Path:
        return out_dir / f"guide-{shot}-{guide_scheme}.png"

    def wait_for(condition, then, attempts=200):
        if condition():
            then()
        elif attempts:
            QTimer.singleShot(100, lambda: wait_for(condition, then, attempts - 1))
        else:
            print("timed out", file=sys.stderr)
            app.exit(1)

    def sign_in():
        if guide_scheme:
            save(controller.sign_in_dialog.grab(), guide_path("sign-in"))
        elif not only_sessions:
            window.grab().save(str(out_dir / "sign-in.png"))
            controller.sign_in_dialog.grab().save(str(out_dir / "sign-in-dialog.png"))
        controller.sign_in_dialog.ok_button.click()
        wait_for(lambda: controller.mfa_dialog is not None and controller.mfa_dialog.isVisible(), enter_code)

    def enter_code():
        if guide_scheme:
            save(controller.mfa_dialog.grab(), guide_path("two-factor"))
        elif not only_sessions:
            controller.mfa_dialog.grab().save(str(out_dir / "two-factor-dialog.png"))
        controller.mfa_dialog.code_field.setText(demo.account.current_code())
        controller.mfa_dialog.ok_button.click()
        wait_for(lambda: window.model.rowCount() > 5, signed_in)

    def signed_in():
        window.select_session(window.proxy.index(1, 0).data(0x0100 + 4))
        QTimer.singleShot(500, guide_sessions if guide_scheme else finish)

    def finish():
        window.grab().save(str(out_dir / sessions_name))
        quit_demo()

    def quit_demo():
        controller.tray.icon.hide()
        controller.shutdown()
        demo.stop()
        app.quit()

    # The user guide's shots, each step waiting for the window to paint the previous one.

    def guide_sessions():
        save(window.grab(), guide_path("sessions"))
        window.open_row_menu_for_selection()
        QTimer.singleShot(500, guide_row_menu)

    def guide_row_menu():
        menu = window.row_menu
        save(grab_screen(window.frameGeometry().united(menu.geometry())), guide_path("row-menu"))
        menu.close()
        box = window.confirm_revoke_others()
        QTimer.singleShot(500, lambda: guide_confirmation(box))

    def guide_confirmation(box):
        save(box.grab(), guide_path("sign-out-others"))
        box.reject()
        dialog = controller.settings_controller.open()
        wait_for(lambda: dialog.session_ttl() is not None, lambda: QTimer.singleShot(300, lambda: guide_settings(dialog)))

    def guide_settings(dialog):
        save(dialog.grab(), guide_path("settings"))
        # Cancel: the dialog saves nothing.
        dialog.reject()
        window.table.selectionModel().clear()
        tray = controller.tray
        if not tray.available:
            wait_for_alert()
            return
        icon = tray.icon.geometry()
        tray.menu.popup(icon.bottomLeft())
        QTimer.singleShot(500, lambda: guide_tray_menu(icon))

    def guide_tray_menu(icon: QRect):
        menu = controller.tray.menu
        save(grab_screen(menu.geometry().united(icon)), guide_path("tray-menu"))
        menu.close()
        wait_for_alert()

    def wait_for_alert():
        demo.start_visitors(GUIDE_VISITOR_INTERVAL)
        checker = QTimer(app)
        checker.timeout.connect(controller.refresh)
        checker.start(2000)
        wait_for(lambda: bool(controller.monitor.alerts.pending), lambda: (checker.stop(), QTimer.singleShot(1500, guide_alert)), attempts=900)

    def guide_alert():
        if not controller.tray.available:
            save(window.grab(), guide_path("alert"))
        else:
            # The notification balloon sits by the tray icon at the screen's top right.
            table_bottom = window.table.mapTo(window, window.table.rect().bottomLeft()).y()
            top = window.mapToGlobal(QPoint(0, table_bottom)).y()
            save(grab_screen(QRect(0, 0, QGuiApplication.primaryScreen().geometry().width(), top + 1)), guide_path("alert"))
        quit_demo()

    runner.submit(demo.start, lambda account: (controller.start_demo(account), wait_for(controller.sign_in_dialog.isVisible, sign_in)))
    return app.exec()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Take screenshots of session-guard --demo.")
    parser.add_argument("out_dir", nargs="?", type=Path, default=Path("docs/screenshots"), help="folder for the PNG files")
    parser.add_argument("--scheme", choices=("light", "dark"), help="colour scheme (default: the display's)")
    parser.add_argument("--scale", metavar="FACTOR", help="Qt scale factor, for example 2 for 200%% (default: the display's)")
    parser.add_argument("--name", default="sessions.png", help="file name of the sessions window shot (default: sessions.png)")
    parser.add_argument("--only-sessions", action="store_true", help="skip the sign-in dialog shots")
    parser.add_argument(
        "--guide", action="store_true", help="take the user guide's shots, guide-<shot>-<scheme>.png (needs --scheme)"
    )
    arguments = parser.parse_args()
    if arguments.guide and not arguments.scheme:
        parser.error("--guide needs --scheme light or --scheme dark, which names the files")
    return arguments


if __name__ == "__main__":
    arguments = parse_args()
    # Qt reads both variables when QApplication starts.
    if arguments.scheme:
        os.environ[COLOR_SCHEME_VARIABLE] = arguments.scheme
    if arguments.scale:
        os.environ["QT_SCALE_FACTOR"] = arguments.scale
    sys.exit(main(arguments.out_dir, arguments.name, arguments.only_sessions, arguments.scheme if arguments.guide else None))
