"""Column types on SQLite and PostgreSQL: UTCDateTime stays UTC and JSON columns round-trip."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from sessions_server.db import Account, SessionRecord, create_db_engine
from tests.conftest import ServerFactory, TestDatabases

UTC_PLUS_FIVE = timezone(timedelta(hours=5))


@pytest.fixture
def engine(databases: TestDatabases) -> Iterator[Engine]:
    engine = create_db_engine(databases.create_url())
    yield engine
    engine.dispose()


def add_account(db: Session, created_at: datetime) -> Account:
    account = Account(email="utc@example.com", password_hash="hash", session_ttl_days=30, created_at=created_at)
    db.add(account)
    db.commit()
    return account


def test_datetime_read_back_as_utc(engine: Engine) -> None:
    written = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC_PLUS_FIVE)
    with Session(engine) as db:
        add_account(db, written)
    with Session(engine) as db:
        read = db.scalars(select(Account.created_at)).one()
    assert read == written
    assert read.tzinfo is UTC


def test_datetime_stored_as_naive_utc(engine: Engine) -> None:
    with Session(engine) as db:
        add_account(db, datetime(2026, 3, 1, 12, 0, tzinfo=UTC_PLUS_FIVE))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT created_at FROM accounts")).scalar_one()
    # SQLite returns the stored text, PostgreSQL a naive datetime.
    assert datetime.fromisoformat(str(stored)) == datetime(2026, 3, 1, 7, 0)


def test_datetime_comparison_uses_utc(engine: Engine) -> None:
    with Session(engine) as db:
        add_account(db, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    with Session(engine) as db:
        # 13:30 at UTC+5 is 08:30 UTC, before the stored 12:00 UTC.
        bound = datetime(2026, 3, 1, 13, 30, tzinfo=UTC_PLUS_FIVE)
        later = db.scalars(select(Account.email).where(Account.created_at > bound)).all()
    assert later == ["utc@example.com"]


def test_naive_datetime_rejected(engine: Engine) -> None:
    with Session(engine) as db, pytest.raises(StatementError, match="naive datetime"):
        add_account(db, datetime(2026, 3, 1, 12, 0))


@pytest.mark.postgresql
@pytest.mark.parametrize("databases", ["postgresql"], indirect=True)
def test_postgresql_time_zone_setting_ignored(databases: TestDatabases) -> None:
    url = databases.create_url()
    create_db_engine(url).dispose()
    # A connection whose TimeZone is not UTC writes and reads the same instant.
    engine = create_engine(url, connect_args={"options": "-c TimeZone=Pacific/Auckland"})
    written = datetime(2026, 7, 1, 23, 59, tzinfo=UTC)
    try:
        with Session(engine) as db:
            add_account(db, written)
        with Session(engine) as db:
            assert db.scalars(select(Account.created_at)).one() == written
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT created_at::text FROM accounts")).scalar_one()
        assert stored == "2026-07-01 23:59:00"
    finally:
        engine.dispose()


def test_json_columns_round_trip(engine: Engine) -> None:
    device = {"kind": "phone", "name": "Pixel 8 — Chrome", "details": {"os": "Android", "version": [14, 0]}}
    location = {"city": "Zürich", "country": "CH", "latitude": 47.37, "longitude": 8.54}
    now = datetime.now(UTC)
    with Session(engine) as db:
        account = add_account(db, now)
        for public_id, place in (("located", location), ("unlocated", None)):
            db.add(
                SessionRecord(
                    public_id=public_id,
                    account_id=account.id,
                    token_hash=public_id.ljust(64, "0"),
                    created_at=now,
                    last_active_at=now,
                    device=device,
                    location=place,
                    auth_methods=["pwd", "otp"],
                )
            )
        db.commit()

    with Session(engine) as db:
        located = db.scalars(select(SessionRecord).where(SessionRecord.public_id == "located")).one()
        unlocated = db.scalars(select(SessionRecord).where(SessionRecord.public_id == "unlocated")).one()
        assert located.device == device
        assert located.location == location
        assert located.auth_methods == ["pwd", "otp"]
        assert unlocated.location is None
        assert db.scalars(select(SessionRecord.public_id).where(SessionRecord.location.is_(None))).all() == [
            "unlocated"
        ]


# PostgreSQL rejects U+0000 in text parameters (psycopg.DataError), so the request
# models and routes must stop it before a query.


@pytest.mark.postgresql
@pytest.mark.parametrize("databases", ["postgresql"], indirect=True)
def test_login_email_with_nul_rejected(make_server: ServerFactory) -> None:
    server = make_server()
    response = httpx.post(f"{server.url}/api/v1/auth/login", json={"email": "a\u0000b@example.com", "password": "x"})
    assert response.status_code == 422


@pytest.mark.postgresql
@pytest.mark.parametrize("databases", ["postgresql"], indirect=True)
def test_revoke_session_id_with_nul_rejected(make_server: ServerFactory) -> None:
    server = make_server(argon2_time_cost=1, argon2_memory_cost_kib=1024, argon2_parallelism=1)
    server.create_account("nul@example.com", "correct horse battery staple", enable_2fa=False)
    login = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "nul@example.com", "password": "correct horse battery staple"},
    )
    token = login.json()["access_token"]
    response = httpx.delete(f"{server.url}/api/v1/sessions/ab%00c", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
