"""Token storage in the keyring and its refusal of insecure backends."""

from __future__ import annotations

import pytest
from keyring.backends import fail

from desktop_app.core.credentials import SERVICE, KeyringUnavailable, TokenStore

from .conftest import MemoryKeyring

SERVER = "https://accounts.example.com"


def test_save_then_load(memory_keyring):
    store = TokenStore(memory_keyring)
    store.save(SERVER, "a@example.com", "tok")
    assert store.load(SERVER, "a@example.com") == "tok"


def test_tokens_are_per_server(memory_keyring):
    store = TokenStore(memory_keyring)
    store.save(SERVER, "a@example.com", "tok")
    assert store.load("https://other.example.com", "a@example.com") is None


def test_delete_forgets_token(memory_keyring):
    store = TokenStore(memory_keyring)
    store.save(SERVER, "a@example.com", "tok")
    store.delete(SERVER, "a@example.com")
    assert store.load(SERVER, "a@example.com") is None


def test_delete_missing_token_is_quiet(memory_keyring):
    TokenStore(memory_keyring).delete(SERVER, "nobody@example.com")


def test_service_name(memory_keyring):
    TokenStore(memory_keyring).save(SERVER, "a@example.com", "tok")
    assert [service for service, _ in memory_keyring.secrets] == [SERVICE]


def test_fail_backend_is_unavailable():
    with pytest.raises(KeyringUnavailable):
        TokenStore(fail.Keyring()).save(SERVER, "a@example.com", "tok")


def test_plaintext_file_backend_is_rejected(tmp_path):
    file_backends = pytest.importorskip("keyrings.alt.file")
    backend = file_backends.PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    with pytest.raises(KeyringUnavailable):
        TokenStore(backend).save(SERVER, "a@example.com", "tok")


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service, username, password):
        raise OSError("The D-Bus connection was closed")


def test_backend_error_becomes_unavailable():
    with pytest.raises(KeyringUnavailable):
        TokenStore(BrokenKeyring()).save(SERVER, "a@example.com", "tok")
