"""Keyring backend for the benchmarks' app processes: a stored token, kept in memory.

The app loads it through keyring's PYTHON_KEYRING_BACKEND variable
(`stored_token_keyring.StoredTokenKeyring`, with bench/ on PYTHONPATH). Like the
tests' `MemoryKeyring` it keeps secrets in process memory only. It starts with
the token of SESSION_GUARD_BENCH_TOKEN under the key SESSION_GUARD_BENCH_ACCOUNT,
as a keyring contains it after an earlier sign-in. It imports nothing but keyring, so
it adds no start-up cost of its own.
"""

import os

import keyring.errors
from keyring.backend import KeyringBackend

SERVICE = "Session Guard"


class StoredTokenKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}
        account = os.environ.get("SESSION_GUARD_BENCH_ACCOUNT")
        token = os.environ.get("SESSION_GUARD_BENCH_TOKEN")
        if account and token:
            self.secrets[(SERVICE, account)] = token

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)
