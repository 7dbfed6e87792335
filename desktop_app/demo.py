"""`session-guard --demo`: the reference server in this process, with a demo account.

This is the one place where the desktop app imports the server package; it needs the
`server` extra installed.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # The server package loads on the worker thread, after the window shows.
    from sessions_server.demo import DemoVisitors

    from .controller import DemoAccount

log = logging.getLogger(__name__)


class DemoEnvironment:
    """A running demo server in a temporary folder; `stop()` ends it and deletes the folder."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="session-guard-demo-"))
        self._server = None
        self._server_account = None
        self._visitors: DemoVisitors | None = None
        self.account: DemoAccount | None = None

    def start(self) -> DemoAccount:
        """Start the server and create the demo sessions (blocking: call it on the worker thread)."""
        import pyotp

        from sessions_server.demo import start_demo_server

        from .controller import DemoAccount

        server, account = start_demo_server(self._folder)
        self._server = server
        self._server_account = account
        totp = pyotp.TOTP(account.totp_secret)
        self.account = DemoAccount(server.url, account.email, account.password, totp.now)
        log.info("Demo server running at %s", server.url)
        return self.account

    @property
    def folder(self) -> Path:
        return self._folder

    def start_visitors(self, interval: float) -> None:
        """Sign in a new demo device every `interval` seconds; the first comes sooner."""
        if self._visitors is not None or self._server is None:
            return
        from sessions_server.demo import DemoVisitors

        self._visitors = DemoVisitors(self._server.url, self._server_account, interval, first_delay=min(interval, 15.0))
        self._visitors.start()
        log.info("Demo visitors sign in every %.0f s", interval)

    def stop(self) -> None:
        if self._visitors is not None:
            self._visitors.stop()
            self._visitors = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        shutil.rmtree(self._folder, ignore_errors=True)
