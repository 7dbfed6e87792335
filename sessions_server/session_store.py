"""Creating, finding, listing and revoking sign-in sessions."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, or_, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value

from . import event_log, schemas
from .config import ServerConfig
from .db import Account, SessionRecord
from .devices import describe_device, truncate_user_agent
from .geo import GeoLocator
from .security import hash_token, new_public_id

logger = logging.getLogger(__name__)


def is_live(record: SessionRecord | Row[Any], account: Account, config: ServerConfig, now: datetime) -> bool:
    """Return False once the session is revoked, idle past the account's TTL or past the absolute lifetime."""
    if record.revoked_at is not None:
        return False
    if now - record.last_active_at > timedelta(days=account.session_ttl_days):
        return False
    return now - record.created_at <= timedelta(days=config.absolute_lifetime_days)


def create_session(
    db: OrmSession,
    account: Account,
    *,
    token: str,
    ip_address: str | None,
    user_agent: str | None,
    client_hints: Mapping[str, str],
    auth_methods: list[str],
    geo: GeoLocator,
    now: datetime,
) -> SessionRecord:
    """Insert a session for a completed sign-in with its session.created event and commit.

    Only the token's hash is stored.
    """
    ua = truncate_user_agent(user_agent)
    location = geo.locate(ip_address)
    record = SessionRecord(
        public_id=new_public_id(),
        account_id=account.id,
        token_hash=hash_token(token),
        created_at=now,
        last_active_at=now,
        ip_address=ip_address,
        user_agent=ua,
        device=describe_device(ua, client_hints).to_dict(),
        location=location.to_dict() if location else None,
        auth_methods=auth_methods,
    )
    db.add(record)
    event_log.record(db, account.id, event_log.SESSION_CREATED, [record.public_id], now)
    db.commit()
    logger.info("session %s created for account %d via %s", record.public_id, account.id, "+".join(auth_methods))
    return record


def find_by_token(db: OrmSession, token: str) -> tuple[SessionRecord, Account] | None:
    """Return the unrevoked session whose token hash matches, with its account."""
    row = db.execute(
        select(SessionRecord, Account)
        .join(Account, Account.id == SessionRecord.account_id)
        .where(SessionRecord.token_hash == hash_token(token), SessionRecord.revoked_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None


def touch(
    db: OrmSession, record: SessionRecord, account: Account, config: ServerConfig, now: datetime
) -> None:
    """Record activity, writing at most once per `activity_write_interval_seconds` so list ETags stay stable.

    A write also records a session.updated event. The UPDATE repeats
    the liveness conditions, so it never writes to a session
    that was revoked or expired between the caller's read and this write.
    """
    interval = timedelta(seconds=config.activity_write_interval_seconds)
    if now - record.last_active_at < interval:
        return
    result = db.execute(
        update(SessionRecord)
        .where(
            SessionRecord.id == record.id,
            SessionRecord.last_active_at <= now - interval,
            *_live_conditions(account, config, now),
        )
        .values(last_active_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        event_log.record(db, account.id, event_log.SESSION_UPDATED, [record.public_id], now)
    db.commit()
    if result.rowcount:
        # Set as loaded, not as a pending change, so no later flush writes the column again.
        set_committed_value(record, "last_active_at", now)


def _live_conditions(account: Account, config: ServerConfig, now: datetime) -> list[ColumnElement[bool]]:
    """Return SQL conditions equal to `is_live` for sessions of `account`."""
    return [
        SessionRecord.revoked_at.is_(None),
        SessionRecord.last_active_at >= now - timedelta(days=account.session_ttl_days),
        SessionRecord.created_at >= now - timedelta(days=config.absolute_lifetime_days),
    ]


def list_live(db: OrmSession, account: Account, config: ServerConfig, now: datetime) -> list[Row[Any]]:
    """Return the account's live sessions as read-only rows with the columns of SessionRecord.

    Unrevoked sessions found ended are marked revoked, with their events. Plain rows
    skip the ORM's identity map and per-object state, which were most of the time of
    a `GET /sessions` with 100 sessions.
    """
    rows = db.execute(
        select(SessionRecord.__table__).where(
            SessionRecord.account_id == account.id, SessionRecord.revoked_at.is_(None)
        )
    ).all()
    live = [row for row in rows if is_live(row, account, config, now)]
    if len(live) < len(rows):
        mark_ended(db, account, config, now)
    return live


def find_live(
    db: OrmSession, account: Account, public_id: str, config: ServerConfig, now: datetime
) -> SessionRecord | None:
    """Return the account's live session with this public id; another account's session is None."""
    record = db.scalar(
        select(SessionRecord).where(SessionRecord.account_id == account.id, SessionRecord.public_id == public_id)
    )
    return record if record is not None and is_live(record, account, config, now) else None


def revoke(db: OrmSession, session_ids: list[int], now: datetime) -> int:
    """Revoke sessions that are still unrevoked, with their session.revoked events; commit and return how many."""
    if not session_ids:
        return 0
    rows = db.execute(
        update(SessionRecord)
        .where(SessionRecord.id.in_(session_ids), SessionRecord.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(SessionRecord.account_id, SessionRecord.public_id)
        .execution_options(synchronize_session=False)
    ).all()
    for account_id, public_id in rows:
        event_log.record(db, account_id, event_log.SESSION_REVOKED, [public_id], now)
    db.commit()
    return len(rows)


def revoke_others(
    db: OrmSession, account: Account, keep_session_id: int, config: ServerConfig, now: datetime
) -> int:
    """Revoke every live session of the account except `keep_session_id` in one UPDATE; return how many.

    The statement revokes every session committed before it runs, including
    sessions signed in while the request was being handled. A sign-in
    committed after it is a later sign-in and stays live. The caller
    commits, which also writes a session.revoked event per session.
    """
    return _revoke_account_sessions(
        db,
        account,
        now,
        SessionRecord.id != keep_session_id,
        *_live_conditions(account, config, now),
    )


def revoke_ended(db: OrmSession, account: Account, idle_days: int, config: ServerConfig, now: datetime) -> int:
    """Mark the account's sessions revoked that are idle longer than `idle_days` or past the absolute lifetime.

    Called before the account's idle timeout changes, with the shorter of the
    old and new value, so raising the timeout never revives an ended session,
    and by `mark_ended` with the current value. The caller commits, which also
    writes a session.revoked event per session.
    """
    return _revoke_account_sessions(
        db,
        account,
        now,
        SessionRecord.revoked_at.is_(None),
        or_(
            SessionRecord.last_active_at < now - timedelta(days=idle_days),
            SessionRecord.created_at < now - timedelta(days=config.absolute_lifetime_days),
        ),
    )


def _revoke_account_sessions(
    db: OrmSession, account: Account, now: datetime, *conditions: ColumnElement[bool]
) -> int:
    """Revoke the account's sessions that match `conditions` in one UPDATE; return how many.

    Each revoked session gets a session.revoked event, written when the caller commits.
    """
    public_ids = db.scalars(
        update(SessionRecord)
        .where(SessionRecord.account_id == account.id, *conditions)
        .values(revoked_at=now)
        .returning(SessionRecord.public_id)
        .execution_options(synchronize_session=False)
    ).all()
    event_log.record(db, account.id, event_log.SESSION_REVOKED, public_ids, now)
    return len(public_ids)


def mark_ended(db: OrmSession, account: Account, config: ServerConfig, now: datetime) -> int:
    """Mark the account's ended but unrevoked sessions revoked, with their session.revoked events, and commit.

    Called when the server notices an ended session, so that event streams
    learn of sessions that ended by inactivity or by the absolute lifetime.
    """
    ended = revoke_ended(db, account, account.session_ttl_days, config, now)
    db.commit()
    if ended:
        logger.info("%d ended sessions of account %d marked revoked", ended, account.id)
    return ended


def to_schema(record: SessionRecord | Row[Any], current_id: int, now: datetime, active_days: int) -> schemas.Session:
    """Build the public view of a session as seen from the session `current_id`."""
    current = record.id == current_id
    if current:
        status = "current"
    elif now - record.last_active_at <= timedelta(days=active_days):
        status = "active"
    else:
        status = "inactive"
    return schemas.Session(
        id=record.public_id,
        current=current,
        status=status,
        created_at=record.created_at,
        last_active_at=record.last_active_at,
        ip_address=record.ip_address,
        location=schemas.Location(**(record.location or {})),
        device=schemas.Device(**record.device),
        user_agent=record.user_agent,
        auth_methods=record.auth_methods,
    )
