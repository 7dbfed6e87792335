"""Logging to stderr and to a rotating file in the platform's log folder."""

from __future__ import annotations

import logging
import os
from pathlib import Path

LOG_FILE_NAME = "session-guard.log"
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# httpcore logs the response headers of every request at DEBUG. The reference server
# sends no secret in a header, but another server or a proxy may send a session cookie
# in Set-Cookie, so httpcore stays at INFO even with --debug.
QUIET_LOGGERS = ("httpcore",)


def default_log_dir() -> Path:
    """Return the platform's log folder for Session Guard, such as ~/.local/state/session-guard/log."""
    import platformdirs

    return Path(platformdirs.user_log_dir("session-guard", appauthor=False))


def configure(debug: bool = False) -> None:
    """Send log records to stderr at INFO, or at DEBUG with `debug`."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    if not any(getattr(handler, "_session_guard_stderr", False) for handler in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._session_guard_stderr = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)


def add_file_handler(folder: Path, max_bytes: int = MAX_BYTES, backup_count: int = BACKUP_COUNT) -> logging.Handler:
    """Also write log records to `folder`/session-guard.log, keeping `backup_count` older files of `max_bytes` each.

    Returns the handler, so a caller can remove and close it.
    """
    import logging.handlers

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        """A rotating file handler that creates each log file readable by its owner only."""

        def _open(self):  # type: ignore[no-untyped-def]
            # The log names the account's email, server, session ids and IP addresses.
            return open(  # noqa: SIM115 - the handler owns and closes the stream
                self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors, opener=_private_opener
            )

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    handler = PrivateRotatingFileHandler(
        folder / LOG_FILE_NAME, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    return handler


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def remove_handler(handler: logging.Handler) -> None:
    """Detach `handler` from the root logger and close its file."""
    logging.getLogger().removeHandler(handler)
    handler.close()
