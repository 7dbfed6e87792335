"""One running app per user: a second launch makes the first show its window, then exits."""

from __future__ import annotations

import getpass
import logging
import re

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500


def default_name() -> str:
    user = re.sub(r"[^A-Za-z0-9_.-]", "_", getpass.getuser())
    return f"session-guard-{user}"


class SingleInstance(QObject):
    """sig_show_requested(): another launch of the app asked this one to come forward."""

    sig_show_requested = Signal()

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or default_name()
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """Become the running instance; returns False after asking the running one to show itself."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if socket.waitForConnected(CONNECT_TIMEOUT_MS):
            socket.disconnectFromServer()
            log.info("Session Guard is already running; asked it to show its window")
            return False

        # No instance accepted the connection, so a socket file left by a crashed one is stale.
        QLocalServer.removeServer(self.name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            log.warning("Cannot listen on %s (%s); a second launch will not find this one", self.name, server.errorString())
            return True
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _on_connection(self) -> None:
        # Only another launch of the app connects here, and it always requests the
        # window, so the connection itself is the request.
        while self._server is not None and self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.abort()
            socket.deleteLater()
            self.sig_show_requested.emit()
