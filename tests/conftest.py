"""Shared fixtures: real servers on free loopback ports. No Qt here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sessions_server.config import ServerConfig
from sessions_server.embedded import EmbeddedServer

ServerFactory = Callable[..., EmbeddedServer]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start servers on temporary SQLite files; keyword arguments override ServerConfig fields."""
    servers: list[EmbeddedServer] = []

    def start(**overrides: Any) -> EmbeddedServer:
        database = tmp_path / f"server-{len(servers)}.sqlite3"
        settings = {"database_url": f"sqlite:///{database}", **overrides}
        config = ServerConfig(**settings)
        server = EmbeddedServer(config)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(make_server: ServerFactory) -> EmbeddedServer:
    """Server with default settings and the real clock."""
    return make_server()
