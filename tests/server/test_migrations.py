"""Alembic migrations: the migrated schema equals the models on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, delete, insert, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from sessions_server import cli
from sessions_server.db import Account, Base, SessionEvent, create_db_engine
from sessions_server.migrations import (
    INITIAL_REVISION,
    INITIAL_TABLES,
    alembic_config,
    current_revision,
    head_revision,
)
from tests.conftest import TestDatabases

MODEL_TABLES = set(INITIAL_TABLES) | {"session_events", "session_event_pruning"}


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return current_revision(connection)


def add_account(engine: Engine, email: str) -> None:
    with Session(engine) as db:
        db.add(
            Account(email=email, password_hash="hash", session_ttl_days=30, created_at=datetime.now(UTC))
        )
        db.commit()


def test_scripts_have_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [head_revision()]


def test_migrated_schema_matches_models(databases: TestDatabases) -> None:
    engine = create_db_engine(databases.create_url(migrated=False))
    try:
        assert revision_of(engine) == head_revision()
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_upgrade_at_head_changes_nothing(databases: TestDatabases) -> None:
    url = databases.create_url(migrated=False)
    engine = create_db_engine(url)
    add_account(engine, "kept@example.com")
    engine.dispose()

    engine = create_db_engine(url)
    try:
        assert revision_of(engine) == head_revision()
        with Session(engine) as db:
            assert db.scalars(select(Account.email)).all() == ["kept@example.com"]
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(databases: TestDatabases) -> None:
    url = databases.create_url(migrated=False)
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        assert revision_of(engine) is None

        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_database_from_create_all_is_stamped(databases: TestDatabases) -> None:
    url = databases.create_url(migrated=False)
    # The server made its tables with create_all before it used Alembic; they are revision 0001's.
    legacy = create_engine(url, poolclass=NullPool)
    Base.metadata.create_all(legacy, tables=[Base.metadata.tables[name] for name in INITIAL_TABLES])
    add_account(legacy, "legacy@example.com")
    legacy.dispose()

    engine = create_db_engine(url)
    try:
        assert revision_of(engine) == head_revision()
        with Session(engine) as db:
            assert db.scalars(select(Account.email)).all() == ["legacy@example.com"]
    finally:
        engine.dispose()


def test_upgrade_from_initial_revision_keeps_rows(databases: TestDatabases) -> None:
    url = databases.create_url(migrated=False)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), INITIAL_REVISION)
    add_account(engine, "before-events@example.com")
    engine.dispose()

    engine = create_db_engine(url)
    try:
        assert revision_of(engine) == head_revision()
        assert schema_differences(engine) == []
        with Session(engine) as db:
            assert db.scalars(select(Account.email)).all() == ["before-events@example.com"]
    finally:
        engine.dispose()


def test_downgrade_to_initial_revision_drops_event_log(databases: TestDatabases) -> None:
    engine = create_db_engine(databases.create_url(migrated=False))
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), INITIAL_REVISION)
        assert set(inspect(engine).get_table_names()) == set(INITIAL_TABLES) | {"alembic_version"}
    finally:
        engine.dispose()


def test_event_ids_not_reused_after_delete(databases: TestDatabases) -> None:
    engine = create_db_engine(databases.create_url(migrated=False))
    try:
        add_account(engine, "ids@example.com")
        row = {"account_id": 1, "type": "session.created", "session_public_id": "s", "occurred_at": datetime.now(UTC)}
        with Session(engine) as db:
            first = db.scalar(insert(SessionEvent).returning(SessionEvent.id), row)
            db.execute(delete(SessionEvent))
            second = db.scalar(insert(SessionEvent).returning(SessionEvent.id), row)
            db.commit()
        assert second is not None and first is not None
        assert second > first
    finally:
        engine.dispose()


def test_unknown_revision_rejected(databases: TestDatabases) -> None:
    url = databases.create_url(migrated=False)
    create_db_engine(url).dispose()
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    engine.dispose()

    with pytest.raises(CommandError, match="ffffffffffff"):
        create_db_engine(url)


def test_offline_sql_for_postgresql() -> None:
    config = alembic_config(database_url="postgresql+psycopg://localhost/unused")
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)
    sql = config.output_buffer.getvalue()
    for table in MODEL_TABLES:
        assert f"CREATE TABLE {table} " in sql
    # Naive UTC, so the connection's TimeZone setting never shifts a value.
    assert "created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL" in sql
    assert f"INSERT INTO alembic_version (version_num) VALUES ('{INITIAL_REVISION}')" in sql
    # Event ids are 64-bit on PostgreSQL, as the rowid is on SQLite.
    assert "id BIGSERIAL NOT NULL" in sql


def test_migrate_command(databases: TestDatabases, capsys: pytest.CaptureFixture[str]) -> None:
    url = databases.create_url(migrated=False)
    assert cli.main(["migrate", "--database", url]) == 0
    assert f"revision {head_revision()}" in capsys.readouterr().out

    assert cli.main(["migrate", "--database", url]) == 0
    engine = create_engine(url, poolclass=NullPool)
    try:
        assert MODEL_TABLES <= set(inspect(engine).get_table_names())
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_migrate_command_unknown_revision(databases: TestDatabases, capsys: pytest.CaptureFixture[str]) -> None:
    url = databases.create_url(migrated=False)
    create_db_engine(url).dispose()
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    engine.dispose()

    assert cli.main(["migrate", "--database", url]) == cli.EXIT_ERROR
    assert "database migration failed" in capsys.readouterr().err
