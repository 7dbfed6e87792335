"""Entry point of the `session-guard` command."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from . import APP_ID, APP_NAME, __version__

log = logging.getLogger(__name__)

DEMO_POLL_INTERVAL = 10.0
# Set to any value, this prints timed start-up events on stdout for bench/; unset, it costs nothing.
BENCH_EVENTS_VARIABLE = "SESSION_GUARD_BENCH_EVENTS"


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    if value < 5:
        raise argparse.ArgumentTypeError(f"must be at least 5 seconds, got {text}")
    return value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="session-guard",
        description="Watch the devices signed in to your account and sign out the ones you do not know.",
    )
    parser.add_argument("--server", metavar="URL", help="Sessions API server, for example https://accounts.example.com (default: the last one used)")
    parser.add_argument("--demo", action="store_true", help="start a local demo server with a demo account and sign in to it")
    parser.add_argument(
        "--demo-interval",
        metavar="SECONDS",
        type=_positive_seconds,
        default=45.0,
        help="with --demo, seconds between simulated sign-ins from other devices (default: 45)",
    )
    parser.add_argument("--minimized", action="store_true", help="start in the system tray without showing the window")
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from . import logs

    logs.configure(debug=args.debug)
    # Qt is imported after argument parsing so --help and --version stay fast.
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from . import i18n
    from .settings import START_MINIMIZED, Settings
    from .ui.first_paint import AfterFirstPaint
    from .ui.icons import icon
    from .ui.looks import apply_color_scheme_override
    from .ui.main_window import MainWindow
    from .ui.sessions_model import SessionsModel
    from .ui.single_instance import SingleInstance
    from .ui.tray import Tray
    from .ui.worker import TaskRunner

    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("Session Guard")
    app.setApplicationVersion(__version__)
    # Wayland compositors match the window to its .desktop file by this name.
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(icon("app"))
    apply_color_scheme_override(app)
    app.setQuitOnLastWindowClosed(False)
    i18n.install(QCoreApplication.translate)

    instance = SingleInstance()
    if not instance.claim(show_running=not args.minimized):
        return 0

    demo = None
    if args.demo:
        from .demo import DemoEnvironment

        demo = DemoEnvironment()

    runner = TaskRunner()
    window = MainWindow(SessionsModel())
    tray = Tray()
    log_file = None
    settings = Settings()
    # The controller, with the monitor, the poller and the sign-in dialogs, is
    # created after the window's first paint (see start_watching below).
    controller = None

    def clean_up() -> None:
        # Runs however the event loop ends, so the worker thread is always stopped.
        log.info("Quitting")
        if controller is not None:
            controller.shutdown()
        else:
            runner.shutdown()
        instance.release()
        tray.icon.hide()
        if demo is not None:
            # Windows cannot delete the demo folder while the log file in it is open.
            if log_file is not None:
                logs.remove_handler(log_file)
            demo.stop()

    def quit_app() -> None:
        # Qt 6 sends every window a close event before it quits, and a window that
        # hides to the tray ignores it, which cancels the quit.
        window.hide_on_close = False
        app.quit()

    app.aboutToQuit.connect(clean_up)
    _quit_on_signals(quit_app)

    def on_tray_availability(available: bool) -> None:
        window.hide_on_close = available
        if not available and not window.isVisible():
            window.bring_forward()

    window.sig_quit_requested.connect(quit_app)
    tray.sig_quit_requested.connect(quit_app)
    tray.sig_open_requested.connect(window.bring_forward)
    tray.sig_availability.connect(on_tray_availability)
    instance.sig_show_requested.connect(window.bring_forward)
    tray.start()

    def start_log_file() -> None:
        # The log file also waits for the first paint, because importing logging.handlers
        # and platformdirs took about 12 ms here. Records logged before it go to stderr only.
        nonlocal log_file
        if demo is not None:
            # Demo runs log into their temporary folder, which is deleted at exit, so
            # the demo account's records never mix with a real account's log.
            log_dir = demo.folder / "log"
        else:
            log_dir = logs.default_log_dir()
        log_file = logs.add_file_handler(log_dir)
        window.help_menu.set_log_folder(log_dir)
        log.info("Writing the log to %s", log_dir)

    def start_watching() -> None:
        # The controller's modules, reading the keyring, the first request and the
        # demo server load httpx, keyring and the server package, so they wait for
        # the window's first paint.
        nonlocal controller
        import platformdirs

        from .controller import AppController
        from .core.credentials import TokenStore

        data_dir = demo.folder if demo is not None else Path(platformdirs.user_data_dir("session-guard", appauthor=False))
        controller = AppController(
            window,
            runner,
            settings,
            TokenStore(),
            data_dir=data_dir,
            tray=tray,
            server_url=args.server,
            remember_sign_in=not args.demo,
        )
        controller.monitor.alerts.sig_show_session.connect(lambda session_id: _show_session(window, session_id))
        if bench_events:
            controller.monitor.sig_sessions_applied.connect(lambda: _report_bench_event(f"sessions-applied {window.model.rowCount()}"))
        if demo is not None:
            controller.set_poll_interval(DEMO_POLL_INTERVAL)
            controller.sig_signed_in.connect(lambda _email: demo.start_visitors(args.demo_interval))
            window.set_status(window.tr("Starting the demo server and signing in its demo devices…"))
            runner.submit(demo.start, controller.start_demo, lambda error: _demo_failed(window, error))
        else:
            controller.start()

    after_paint = AfterFirstPaint(window)
    bench_events = bool(os.environ.get(BENCH_EVENTS_VARIABLE))
    if bench_events:
        after_paint.add(lambda: _report_bench_event("first-paint"))
    after_paint.add(start_log_file)
    after_paint.add(start_watching)

    start_minimized = args.minimized or settings.get(START_MINIMIZED)
    if not start_minimized or tray.available is False:
        window.show()
    else:
        after_paint.run()

    log.info("%s %s started", APP_NAME, __version__)
    return app.exec()


def _quit_on_signals(quit_app) -> None:
    """Quit cleanly on SIGTERM and SIGINT, so the demo's folder and the worker thread are cleaned up."""
    from PySide6.QtCore import QCoreApplication, QTimer

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: quit_app())
    # Python runs signal handlers only between bytecodes, so a timer wakes the
    # interpreter while Qt's event loop waits.
    wake_up = QTimer(QCoreApplication.instance())
    wake_up.timeout.connect(lambda: None)
    wake_up.start(500)


def _report_bench_event(event: str) -> None:
    """Print "EVENT T" on stdout for bench/, T being time.monotonic(): "first-paint" and "sessions-applied ROWS"."""
    import time

    print(f"{event} {time.monotonic():.6f}", flush=True)


def _show_session(window, session_id: str) -> None:
    window.bring_forward()
    if session_id:
        window.select_session(session_id)


def _demo_failed(window, error: Exception) -> None:
    log.error("The demo server failed to start: %s", error, exc_info=error)
    window.set_status(window.tr("The demo server failed to start: %1").replace("%1", str(error)))


if __name__ == "__main__":
    sys.exit(main())
