"""`session-guard --demo`: the reference server in this process, with a demo account.

This is the one place where the desktop app imports the server package; it needs the
`server` extra installed.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import pyotp

from sessions_server.demo import start_demo_server

from .controller import DemoAccount

log = logging.getLogger(__name__)


class DemoEnvironment:
    """A running demo server in a temporary folder; `stop()` ends it and deletes the folder."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="session-guard-demo-"))
        self._server = None
        self.account: DemoAccount | None = None

    def start(self) -> DemoAccount:
        """Start the server and create the demo sessions (blocking: call it on the worker thread)."""
        server, account = start_demo_server(self._folder)
        self._server = server
        totp = pyotp.TOTP(account.totp_secret)
        self.account = DemoAccount(server.url, account.email, account.password, totp.now)
        log.info("Demo server running at %s", server.url)
        return self.account

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        shutil.rmtree(self._folder, ignore_errors=True)
