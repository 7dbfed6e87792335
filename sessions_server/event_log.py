"""The session event log: events written in the transaction of the change they describe, pruning and reads.

`record` queues events on an ORM session. A `before_commit` hook on every
SQLAlchemy Session writes them as the last statements of the transaction, so
an event exists exactly when its change is committed. Event ids become
visible in increasing order. On SQLite the database write lock, held from
the first write until commit, ensures this. On PostgreSQL a transaction-level
advisory lock taken just before the insert serialises event writers until
they commit. A reader that remembers the highest id it has seen therefore
never misses a later commit with a lower id.

Only event-log tables are written while that lock is held, so the lock
cannot take part in a deadlock with row locks of other tables.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, event, func, insert, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction

from .db import SessionEvent, SessionEventPruning

logger = logging.getLogger(__name__)

SESSION_CREATED = "session.created"
SESSION_REVOKED = "session.revoked"
SESSION_UPDATED = "session.updated"

# Per account the log keeps at least the newest KEEP_NEWEST events and every
# event younger than KEEP_DAYS; older ones are deleted when a new event is written.
KEEP_NEWEST = 500
KEEP_DAYS = 7

# PostgreSQL NOTIFY channel that wakes the event readers of every server process.
NOTIFY_CHANNEL = "session_events"
# Key of the PostgreSQL advisory lock that serialises event writers. Any constant
# works that no other code uses as an advisory lock key.
_ID_ORDER_LOCK_KEY = 0x5E55_E7E7

_PENDING_KEY = "session_guard.pending_events"
WROTE_EVENTS_KEY = "session_guard.wrote_events"


@dataclass(frozen=True)
class StoredEvent:
    """A committed event; `session_id` is the session's public id."""

    id: int
    account_id: int
    type: str
    session_id: str
    occurred_at: datetime


def record(db: OrmSession, account_id: int, type_: str, session_public_ids: Iterable[str], now: datetime) -> None:
    """Queue one event per session, to be written by the next commit of `db` in the same transaction.

    A rollback or close of `db` before that commit discards them.
    """
    pending: list[dict[str, Any]] = db.info.setdefault(_PENDING_KEY, [])
    for public_id in session_public_ids:
        pending.append(
            {"account_id": account_id, "type": type_, "session_public_id": public_id, "occurred_at": now}
        )


@event.listens_for(OrmSession, "before_commit")
def _write_pending_events(session: OrmSession) -> None:
    pending: list[dict[str, Any]] | None = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    postgresql = session.get_bind().dialect.name == "postgresql"
    # Pending ORM changes are flushed now, so that nothing but event-log tables
    # is written while the advisory lock is held.
    session.flush()
    if postgresql:
        session.execute(select(func.pg_advisory_xact_lock(_ID_ORDER_LOCK_KEY)))
    session.execute(insert(SessionEvent), pending)

    newest_by_account: dict[int, datetime] = {}
    for row in pending:
        account_id = row["account_id"]
        newest_by_account[account_id] = max(row["occurred_at"], newest_by_account.get(account_id, row["occurred_at"]))
    for account_id, newest in newest_by_account.items():
        _prune(session, account_id, newest)

    if postgresql:
        # Delivered to the listeners only when, and if, the transaction commits.
        session.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))
    session.info[WROTE_EVENTS_KEY] = True


@event.listens_for(OrmSession, "after_transaction_end")
def _discard_pending_events(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


def _prune(db: OrmSession, account_id: int, now: datetime) -> None:
    """Delete the account's events beyond the newest KEEP_NEWEST that are older than KEEP_DAYS.

    The highest deleted id is kept in session_event_pruning, so a replay can
    tell that the log no longer reaches back to a client's Last-Event-ID.
    The first query reads at most KEEP_NEWEST + 1 entries of the
    (account_id, id) index.
    """
    oldest_kept_by_count = db.scalar(
        select(SessionEvent.id)
        .where(SessionEvent.account_id == account_id)
        .order_by(SessionEvent.id.desc())
        .offset(KEEP_NEWEST)
        .limit(1)
    )
    if oldest_kept_by_count is None:
        return
    prunable = and_(
        SessionEvent.account_id == account_id,
        SessionEvent.id <= oldest_kept_by_count,
        SessionEvent.occurred_at < now - timedelta(days=KEEP_DAYS),
    )
    pruned_through = db.scalar(select(func.max(SessionEvent.id)).where(prunable))
    if pruned_through is None:
        return
    deleted = db.execute(delete(SessionEvent).where(prunable).execution_options(synchronize_session=False)).rowcount
    state = db.get(SessionEventPruning, account_id)
    if state is None:
        db.add(SessionEventPruning(account_id=account_id, pruned_through_id=pruned_through))
    elif state.pruned_through_id < pruned_through:
        state.pruned_through_id = pruned_through
    db.flush()
    logger.debug("pruned %d events of account %d through id %d", deleted, account_id, pruned_through)


def _to_stored(row: SessionEvent) -> StoredEvent:
    return StoredEvent(row.id, row.account_id, row.type, row.session_public_id, row.occurred_at)


def newest_id(db: OrmSession, account_id: int | None = None) -> int:
    """Return the highest stored event id of the account, or of all accounts; 0 when there is none."""
    query = select(func.max(SessionEvent.id))
    if account_id is not None:
        query = query.where(SessionEvent.account_id == account_id)
    return db.scalar(query) or 0


def pruned_through(db: OrmSession, account_id: int) -> int:
    """Return the highest event id of the account that pruning deleted, or 0."""
    query = select(SessionEventPruning.pruned_through_id).where(SessionEventPruning.account_id == account_id)
    return db.scalar(query) or 0


def events_after(
    db: OrmSession, after_id: int, *, account_id: int | None = None, limit: int | None = None
) -> list[StoredEvent]:
    """Return the stored events with id greater than `after_id`, oldest first, of one account or of all."""
    query = select(SessionEvent).where(SessionEvent.id > after_id).order_by(SessionEvent.id)
    if account_id is not None:
        query = query.where(SessionEvent.account_id == account_id)
    if limit is not None:
        query = query.limit(limit)
    return [_to_stored(row) for row in db.scalars(query)]


def latest_revocation(db: OrmSession, account_id: int, session_public_id: str, after_id: int) -> StoredEvent | None:
    """Return the newest session.revoked event of the session with id greater than `after_id`, if stored."""
    row = db.scalar(
        select(SessionEvent)
        .where(
            SessionEvent.account_id == account_id,
            SessionEvent.session_public_id == session_public_id,
            SessionEvent.type == SESSION_REVOKED,
            SessionEvent.id > after_id,
        )
        .order_by(SessionEvent.id.desc())
        .limit(1)
    )
    return _to_stored(row) if row is not None else None
