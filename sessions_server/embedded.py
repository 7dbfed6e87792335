"""In-process server for the desktop app's demo mode and for tests."""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import datetime
from types import TracebackType

import uvicorn
from sqlalchemy import update

from .accounts import AccountSecrets, create_account
from .app import create_app
from .config import ServerConfig
from .db import SessionRecord
from .state import ServerState

__all__ = ["AccountSecrets", "EmbeddedServer"]

logger = logging.getLogger(__name__)

_START_TIMEOUT_SECONDS = 10.0
_STOP_TIMEOUT_SECONDS = 10.0


class EmbeddedServer:
    """Uvicorn serving `create_app(config)` in a daemon thread on 127.0.0.1 and a free port.

    The database is opened on construction, so accounts can be created
    before `start()`. Usable as a context manager that starts and stops.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.url = ""
        self._app = create_app(config)
        self._state: ServerState = self._app.state.server
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def start(self) -> None:
        """Start serving and return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("server already started")
        # With protocol IPPROTO_TCP (not 0), asyncio sets TCP_NODELAY on the socket;
        # otherwise Nagle's algorithm delays each response on a kept-alive connection
        # by about 40 ms.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        # proxy_headers=False: the app applies its own trusted-proxy rule to X-Forwarded-For.
        uvicorn_config = uvicorn.Config(
            self._app, log_level="warning", access_log=False, lifespan="off", proxy_headers=False
        )
        self._server = uvicorn.Server(uvicorn_config)
        self._socket = sock
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
        )
        self._thread.start()

        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive():
                self._close_socket()
                raise RuntimeError("embedded server thread exited during startup")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"embedded server did not start within {_START_TIMEOUT_SECONDS} s")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"
        logger.info("embedded server listening on %s", self.url)

    def stop(self) -> None:
        """Shut down the server, join its thread and close the database; safe to call twice."""
        if self._server is not None and self._thread is not None:
            # Uvicorn's graceful shutdown waits for every response to finish, so the endless event streams end first.
            self._state.event_hub.close()
            self._server.should_exit = True
            self._thread.join(_STOP_TIMEOUT_SECONDS)
            if self._thread.is_alive():
                logger.error("embedded server thread did not stop within %s s", _STOP_TIMEOUT_SECONDS)
            else:
                logger.info("embedded server on %s stopped", self.url)
        self._close_socket()
        self._server = None
        self._thread = None
        self._state.close()

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def create_account(self, email: str, password: str, *, enable_2fa: bool) -> AccountSecrets:
        """Create an account with the configured default session TTL."""
        with self._state.session_factory() as db:
            return create_account(
                db,
                self._state.passwords,
                email,
                password,
                enable_2fa=enable_2fa,
                session_ttl_days=self.config.session_ttl_days,
                now=self.config.clock(),
            )

    def backdate_session(
        self, session_id: str, *, last_active_at: datetime, created_at: datetime | None = None
    ) -> None:
        """Overwrite a session's timestamps by public id; raise KeyError if no such session exists."""
        values: dict[str, datetime] = {"last_active_at": last_active_at}
        if created_at is not None:
            values["created_at"] = created_at
        with self._state.session_factory() as db:
            result = db.execute(update(SessionRecord).where(SessionRecord.public_id == session_id).values(**values))
            db.commit()
        if result.rowcount != 1:
            raise KeyError(f"no session with id {session_id!r}")
