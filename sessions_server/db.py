"""Database models and the engine/session factory.

The schema is created and changed only by the Alembic migrations in
`sessions_server.migrations`; `create_db_engine` applies them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetime, stored as naive UTC so SQLite and others agree.

    On PostgreSQL the column is `timestamp without time zone`, so the
    connection's TimeZone setting never shifts stored or returned values.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# Constraint and index names are fixed here rather than chosen by each database,
# so a migration can drop or alter them by the same name on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-cased and stripped.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    # Highest accepted TOTP time step; a code for this step or an earlier one is a replay.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)
    session_ttl_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # SHA-256 hex of the normalised code.
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class MfaChallenge(Base):
    """Pending second factor after a correct password."""

    __tablename__ = "mfa_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # SHA-256 hex of the mfa_token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0)


class SessionRecord(Base):
    """Signed-in session; `token_hash` is the SHA-256 hex of its bearer token."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ip_address: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    # Device and location are resolved once at sign-in and stored as JSON objects.
    device: Mapped[dict[str, Any]] = mapped_column(JSON)
    # None is stored as SQL NULL rather than as the JSON value null.
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)
    auth_methods: Mapped[list[str]] = mapped_column(JSON)


# 64-bit event ids. On SQLite the column must be exactly INTEGER to be the rowid,
# which is 64-bit there as well.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class SessionEvent(Base):
    """Entry of the event log that GET /sessions/events streams.

    Ids increase across the whole server in commit order. On SQLite,
    AUTOINCREMENT keeps an id from being issued twice even after the newest
    row is deleted.
    """

    __tablename__ = "session_events"
    __table_args__ = (
        Index("ix_session_events_account_id_id", "account_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # session.created, session.revoked or session.updated.
    type: Mapped[str] = mapped_column(String(32))
    session_public_id: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionEventPruning(Base):
    """Highest event id of an account that pruning deleted, so a replay after an older id would be incomplete."""

    __tablename__ = "session_event_pruning"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    pruned_through_id: Mapped[int] = mapped_column(EventId)


def create_db_engine(database_url: str) -> Engine:
    """Create the engine and upgrade the database to the newest migration.

    SQLite connections are shared across uvicorn's worker threads, so
    same-thread checking is off and writers wait up to 15 s for a lock.
    Raises alembic.util.CommandError when the database carries a revision
    that this version of the server does not know.
    """
    kwargs: dict[str, Any] = {}
    if database_url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        if database_url in ("sqlite://", "sqlite:///:memory:"):
            # One shared connection, otherwise every connection has its own empty database.
            kwargs["poolclass"] = StaticPool
    engine = create_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)

    from .migrations import upgrade_database

    try:
        upgrade_database(engine)
    except Exception:
        engine.dispose()
        raise
    logger.info("database ready at %s", engine.url.render_as_string(hide_password=True))
    return engine


def _enable_sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
