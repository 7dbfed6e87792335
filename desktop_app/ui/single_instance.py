"""One running app per user: a second launch makes the first show its window, then exits.

The second launch connects to the first one's local socket and sends one byte:
`SHOW` to bring the window forward, or `STAY_HIDDEN` for a launch with
`--minimized`, such as the start-at-login entry while the app already runs.
A connection that closes without a byte counts as `SHOW`.
"""

from __future__ import annotations

import getpass
import logging
import re

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
SHOW = b"S"
STAY_HIDDEN = b"H"


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
        self._answered: set[QLocalSocket] = set()

    def claim(self, show_running: bool = True) -> bool:
        """Become the running instance, or return False when one is running.

        With `show_running`, the running instance is asked to show its window.
        """
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if socket.waitForConnected(CONNECT_TIMEOUT_MS):
            socket.write(SHOW if show_running else STAY_HIDDEN)
            socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
            socket.disconnectFromServer()
            if show_running:
                log.info("Session Guard is already running; asked it to show its window")
            else:
                log.info("Session Guard is already running; left its window as it is")
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
        # Only another launch of the app connects here. Its request is the first byte,
        # read when it arrives, or the close of a connection that sent none.
        while self._server is not None and self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(self._on_disconnected)

    def _on_ready_read(self) -> None:
        socket = self.sender()
        if not isinstance(socket, QLocalSocket) or socket in self._answered:
            return
        self._answered.add(socket)
        if bytes(socket.read(1).data()) != STAY_HIDDEN:
            self.sig_show_requested.emit()
        socket.disconnectFromServer()

    def _on_disconnected(self) -> None:
        socket = self.sender()
        if not isinstance(socket, QLocalSocket):
            return
        if socket.bytesAvailable():
            self._on_ready_read()
        elif socket not in self._answered:
            self.sig_show_requested.emit()
        self._answered.discard(socket)
        socket.deleteLater()
