"""Entry point of the `session-guard` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from . import APP_NAME, __version__

log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="session-guard",
        description="Watch the devices signed in to your account and sign out the ones you do not know.",
    )
    parser.add_argument("--server", metavar="URL", help="Sessions API server, for example https://accounts.example.com (default: the last one used)")
    parser.add_argument("--demo", action="store_true", help="start a local demo server with a demo account and sign in to it")
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Qt is imported after argument parsing so --help and --version stay fast.
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from . import i18n

    from .controller import AppController
    from .core.credentials import TokenStore
    from .settings import Settings
    from .ui.main_window import MainWindow
    from .ui.sessions_model import SessionsModel
    from .ui.worker import TaskRunner

    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("Session Guard")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)
    i18n.install(QCoreApplication.translate)

    runner = TaskRunner()
    window = MainWindow(SessionsModel())
    controller = AppController(
        window,
        runner,
        Settings(),
        TokenStore(),
        server_url=args.server,
        remember_sign_in=not args.demo,
    )
    demo = None

    def quit_app() -> None:
        log.info("Quitting")
        controller.shutdown()
        if demo is not None:
            demo.stop()
        app.quit()

    window.sig_quit_requested.connect(quit_app)
    window.show()

    if args.demo:
        from .demo import DemoEnvironment

        demo = DemoEnvironment()
        window.set_status(window.tr("Starting the demo server and signing in its demo devices…"))
        runner.submit(demo.start, controller.start_demo, lambda error: _demo_failed(window, error))
    else:
        controller.start()

    log.info("%s %s started", APP_NAME, __version__)
    return app.exec()


def _demo_failed(window, error: Exception) -> None:
    log.error("The demo server failed to start: %s", error, exc_info=error)
    window.set_status(window.tr("The demo server failed to start: %1").replace("%1", str(error)))


if __name__ == "__main__":
    sys.exit(main())
