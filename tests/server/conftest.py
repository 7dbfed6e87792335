"""Fixtures for the server tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.server.server_support import CHROME_WINDOWS, Api, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api_factory(make_server: Any, clock: FakeClock) -> Iterator[Any]:
    """Return a function that starts a server with config overrides and wraps it in an Api."""
    clients: list[httpx.Client] = []

    def build(**overrides: Any) -> Api:
        # Low Argon2 cost keeps the suite fast; production cost is covered by the embedded-server tests.
        cheap_hashing = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 1024, "argon2_parallelism": 1}
        # `clock=utc_now` in overrides runs the server on real time, for tests of concurrent requests.
        server = make_server(**{"clock": clock, **cheap_hashing, **overrides})
        client = httpx.Client(base_url=f"{server.url}/api/v1", headers={"User-Agent": CHROME_WINDOWS})
        clients.append(client)
        return Api(server, client, clock)

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def api(api_factory: Any) -> Api:
    return api_factory()
