"""Shared fixtures: real servers on free loopback ports, on SQLite and on PostgreSQL. No Qt here.

The PostgreSQL variants use the server whose SQLAlchemy URL is in the
environment variable SESSION_GUARD_TEST_POSTGRES, for example
`postgresql+psycopg://postgres@/postgres?host=/var/run/postgresql`; `./dev test`
starts a throwaway one. Each test gets databases that no other test uses
at the same time and that contain no rows. Without the variable
the PostgreSQL variants are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from sessions_server.config import ServerConfig
from sessions_server.db import Base, create_db_engine
from sessions_server.embedded import EmbeddedServer

ServerFactory = Callable[..., EmbeddedServer]

POSTGRES_URL_VARIABLE = "SESSION_GUARD_TEST_POSTGRES"
DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"postgresql: runs against the PostgreSQL server named by {POSTGRES_URL_VARIABLE}"
    )


class PostgresTestServer:
    """Hands out isolated databases on one PostgreSQL server and drops them at the end.

    CREATE DATABASE takes tens to hundreds of milliseconds, so a migrated
    database that a test has finished with is emptied with TRUNCATE and
    handed to the next test. Database names start with the pytest process
    id, so concurrent test runs on the same server do not collide.
    """

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self._admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._prefix = f"session_guard_test_{os.getpid()}"
        self._numbers = itertools.count()
        self._created: set[str] = set()
        self._idle_migrated: list[str] = []

    def acquire_database(self, *, migrated: bool) -> str:
        """Return the URL of an unused database, migrated to the newest revision and empty of rows, or without tables."""
        if migrated and self._idle_migrated:
            return self.database_url(self._idle_migrated.pop())
        name = f"{self._prefix}_{next(self._numbers)}"
        self._execute_admin(f'CREATE DATABASE "{name}"')
        self._created.add(name)
        url = self.database_url(name)
        if migrated:
            create_db_engine(url).dispose()
        return url

    def release_database(self, url: str, *, migrated: bool) -> None:
        """Take back a database from acquire_database once nothing is connected to it any more.

        A migrated one is emptied for reuse. Any other database is dropped,
        because its schema may be in any state.
        """
        name = make_url(url).database
        assert name in self._created, f"{name} was not created by this test run"
        if migrated and self._empty_tables(url):
            self._idle_migrated.append(name)
            return
        self._execute_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.discard(name)

    def database_url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        for name in self._created:
            self._execute_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()
        self._idle_migrated.clear()
        self._admin.dispose()

    def _empty_tables(self, url: str) -> bool:
        """Delete all rows and reset the id sequences; return False if the database is still in use."""
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                # A server that is still running holds locks; fail fast and drop the database instead.
                connection.execute(text("SET LOCAL lock_timeout = '2s'"))
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        except OperationalError:
            return False
        finally:
            engine.dispose()
        return True

    def _execute_admin(self, statement: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(statement))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresTestServer]:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        message = f"{POSTGRES_URL_VARIABLE} is not set; `./dev test` starts a PostgreSQL server and sets it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required when CI=true: {message}")
        pytest.skip(message)
    server = PostgresTestServer(url)
    yield server
    server.close()


class TestDatabases:
    """Fresh databases of one dialect for one test; each URL names a database no other test uses."""

    __test__ = False

    def __init__(self, dialect: str, tmp_path: Path, postgres: PostgresTestServer | None) -> None:
        self.dialect = dialect
        self._tmp_path = tmp_path
        self._postgres = postgres
        self._urls: list[tuple[str, bool]] = []

    def create_url(self, *, migrated: bool = True) -> str:
        """Return the URL of a new database, migrated to the newest revision or empty.

        SQLite databases are always empty files, which the server migrates at start.
        """
        if self._postgres is None:
            url = f"sqlite:///{self._tmp_path / f'server-{len(self._urls)}.sqlite3'}"
        else:
            url = self._postgres.acquire_database(migrated=migrated)
        self._urls.append((url, migrated))
        return url

    def release_all(self) -> None:
        if self._postgres is not None:
            for url, migrated in self._urls:
                self._postgres.release_database(url, migrated=migrated)
        self._urls.clear()


@pytest.fixture(params=DIALECTS)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabases]:
    """New databases on SQLite, or on the PostgreSQL server of SESSION_GUARD_TEST_POSTGRES."""
    dialect: str = request.param
    postgres = request.getfixturevalue("postgres_server") if dialect == "postgresql" else None
    created = TestDatabases(dialect, tmp_path, postgres)
    yield created
    created.release_all()


@pytest.fixture
def make_server(databases: TestDatabases) -> Iterator[ServerFactory]:
    """Start servers, each on a new database; keyword arguments override ServerConfig fields."""
    servers: list[EmbeddedServer] = []

    def start(**overrides: Any) -> EmbeddedServer:
        settings: dict[str, Any] = dict(overrides)
        if "database_url" not in settings:
            settings["database_url"] = databases.create_url()
        server = EmbeddedServer(ServerConfig(**settings))
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
