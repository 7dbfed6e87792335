"""Access-token storage in the OS keyring.

The token is stored only in the keyring: never in a settings file, never in a log.
Backends that keep secrets in a plain file (keyrings.alt's file backends) and the
"fail" backend count as no usable keyring. Every call here blocks on the keyring
daemon, so the app makes them from its worker thread.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keyring loads on the first keyring call, after the window shows.
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "Session Guard"

# Module prefixes of keyring backends that write secrets to an ordinary file or
# never store anything.
_REJECTED_BACKENDS = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class KeyringUnavailable(Exception):
    """No usable keyring backend: the sign-in cannot be remembered."""


def _keyring_failures() -> tuple[type[Exception], ...]:
    """Return what a keyring call may raise.

    Keyring backends raise their own exception types (D-Bus errors, locked
    collections) besides KeyringError, so the store catches them all and degrades.
    """
    import keyring.errors

    return (keyring.errors.KeyringError, OSError, RuntimeError, ValueError)


def _account_key(server_url: str, email: str) -> str:
    return f"{email.strip().lower()}@{server_url}"


def _usable_backends(backend: KeyringBackend) -> list[KeyringBackend]:
    children = getattr(backend, "backends", None)
    candidates = list(children) if children is not None else [backend]
    return [item for item in candidates if not type(item).__module__.startswith(_REJECTED_BACKENDS)]


class TokenStore:
    """Stores one token per (server, email) in the keyring service "Session Guard"."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    def _keyring(self) -> KeyringBackend:
        import keyring

        backend = self._backend or keyring.get_keyring()
        usable = _usable_backends(backend)
        if not usable:
            raise KeyringUnavailable(f"No secure keyring backend is available (found {type(backend).__name__}).")
        return usable[0] if getattr(backend, "backends", None) is not None else backend

    def load(self, server_url: str, email: str) -> str | None:
        try:
            return self._keyring().get_password(SERVICE, _account_key(server_url, email))
        except _keyring_failures() as exc:
            log.warning("Reading the keyring failed: %s", type(exc).__name__)
            raise KeyringUnavailable(str(exc)) from None

    def save(self, server_url: str, email: str, token: str) -> None:
        try:
            self._keyring().set_password(SERVICE, _account_key(server_url, email), token)
        except _keyring_failures() as exc:
            log.warning("Writing the keyring failed: %s", type(exc).__name__)
            raise KeyringUnavailable(str(exc)) from None
        log.info("Stored the sign-in for %s on %s in the keyring", email, server_url)

    def delete(self, server_url: str, email: str) -> None:
        import keyring.errors

        try:
            self._keyring().delete_password(SERVICE, _account_key(server_url, email))
        except keyring.errors.PasswordDeleteError:
            pass
        except _keyring_failures() as exc:
            log.warning("Deleting from the keyring failed: %s", type(exc).__name__)
            raise KeyringUnavailable(str(exc)) from None
        log.info("Forgot the sign-in for %s on %s", email, server_url)
