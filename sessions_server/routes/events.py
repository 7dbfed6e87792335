"""GET /sessions/events: the account's session events as Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Header
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from .. import event_log, session_store
from ..db import Account, SessionRecord
from ..deps import Caller, CallerDep, Db, State
from ..event_log import StoredEvent
from ..events import TIMED_OUT, Subscription
from ..problems import ProblemError, problem_responses, unauthorized
from ..schemas import format_timestamp
from ..state import ServerState

logger = logging.getLogger(__name__)

router = APIRouter(tags=["sessions"])

# Milliseconds a client waits before it reconnects after the stream ends.
RETRY_MILLISECONDS = 3000
# A non-negative integer of at most 19 digits, so that every accepted value below
# the newest stored id fits the 64-bit id column.
LAST_EVENT_ID_PATTERN = r"^[0-9]{1,19}$"
_LAST_EVENT_ID = re.compile(LAST_EVENT_ID_PATTERN)
# Fields end with a line feed, the line ending that every SSE parser accepts.
_SEPARATOR = "\n"


@dataclass(frozen=True)
class Opening:
    """Opening of a stream: the replayed events or a reset, and the id that `ready` carries."""

    replay: list[StoredEvent]
    reset: bool
    ready_id: int


def parse_last_event_id(value: str | None) -> int | None:
    """Return the Last-Event-ID header as an int, or raise a 400 problem when it is not 1 to 19 ASCII digits."""
    if value is None:
        return None
    if not _LAST_EVENT_ID.fullmatch(value):
        # Starlette decodes header bytes as Latin-1, so only a printable ASCII value
        # is shown back as the client sent it.
        if value.isascii() and value.isprintable():
            received = repr(value[:40])
        else:
            received = "a value with other characters"
        raise ProblemError(
            400,
            "invalid_last_event_id",
            f"Last-Event-ID must be a non-negative integer of at most 19 digits, not {received}.",
        )
    return int(value)


def read_opening(db: OrmSession, caller: Caller, after_id: int | None) -> Opening:
    """Read what the stream sends before `ready`, or raise 401 when the caller's session was revoked meanwhile.

    Reset is sent when the log no longer reaches back to `after_id` (newer
    events were pruned), or when `after_id` is newer than every stored event of
    the account, which includes ids the server never issued.
    """
    account_id = caller.account.id
    revoked_at = db.scalar(select(SessionRecord.revoked_at).where(SessionRecord.id == caller.session.id))
    if revoked_at is not None:
        raise unauthorized("The bearer token is invalid, revoked or expired.")
    newest = event_log.newest_id(db, account_id)
    if after_id is None:
        return Opening([], False, newest)
    if after_id > newest or after_id < event_log.pruned_through(db, account_id):
        return Opening([], True, newest)
    replay = event_log.events_after(db, after_id, account_id=account_id)
    ready_id = max(newest, replay[-1].id) if replay else newest
    return Opening(replay, False, ready_id)


def check_own_session(state: ServerState, caller: Caller, after_id: int) -> tuple[bool, StoredEvent | None]:
    """Return whether the caller's session is live, and else its session.revoked event newer than `after_id`.

    A session found ended by inactivity or by the absolute lifetime is marked
    revoked first, which writes that event.
    """
    with state.session_factory() as db:
        row = db.execute(
            select(SessionRecord, Account)
            .join(Account, Account.id == SessionRecord.account_id)
            .where(SessionRecord.id == caller.session.id)
        ).first()
        if row is None:
            return False, None
        record, account = row
        if record.revoked_at is None:
            now = state.config.clock()
            if session_store.is_live(record, account, state.config, now):
                return True, None
            session_store.mark_ended(db, account, state.config, now)
        return False, event_log.latest_revocation(db, account.id, record.public_id, after_id)


def _encode(stored: StoredEvent) -> ServerSentEvent:
    data = {"session_id": stored.session_id, "occurred_at": format_timestamp(stored.occurred_at)}
    return ServerSentEvent(json.dumps(data), id=str(stored.id), event=stored.type, sep=_SEPARATOR)


def _ends_stream(stored: StoredEvent, caller: Caller) -> bool:
    return stored.type == event_log.SESSION_REVOKED and stored.session_id == caller.session.public_id


async def _stream(
    state: ServerState, caller: Caller, subscription: Subscription, opening: Opening
) -> AsyncIterator[ServerSentEvent]:
    loop = asyncio.get_running_loop()
    heartbeat_seconds = state.config.events_heartbeat_seconds
    try:
        yield ServerSentEvent(retry=RETRY_MILLISECONDS, sep=_SEPARATOR)
        if opening.reset:
            yield ServerSentEvent("{}", id=str(opening.ready_id), event="reset", sep=_SEPARATOR)
        for stored in opening.replay:
            yield _encode(stored)
        ready = json.dumps({"last_event_id": opening.ready_id})
        yield ServerSentEvent(ready, id=str(opening.ready_id), event="ready", sep=_SEPARATOR)

        last_sent = opening.ready_id
        next_heartbeat = loop.time() + heartbeat_seconds
        while True:
            item = await subscription.next_event(next_heartbeat - loop.time())
            if item is None:
                return
            if item is TIMED_OUT:
                next_heartbeat = loop.time() + heartbeat_seconds
                live, revocation = await run_in_threadpool(check_own_session, state, caller, last_sent)
                if not live:
                    if revocation is not None:
                        yield _encode(revocation)
                    logger.info("event stream of session %s ended with its session", caller.session.public_id)
                    return
                yield ServerSentEvent(comment="heartbeat", sep=_SEPARATOR)
                continue
            assert isinstance(item, StoredEvent)
            # Events committed while the stream opened can arrive through both the opening read and the reader.
            if item.id <= last_sent:
                continue
            yield _encode(item)
            last_sent = item.id
            if _ends_stream(item, caller):
                logger.info("event stream of session %s ended: session revoked", caller.session.public_id)
                return
    finally:
        subscription.close()


# Before OpenAPI 3.2, the schema of a text/event-stream response describes each event.
_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event", "id", "data"],
    "properties": {
        "event": {
            "enum": ["ready", "reset", event_log.SESSION_CREATED, event_log.SESSION_REVOKED, event_log.SESSION_UPDATED]
        },
        "id": {"type": "string", "pattern": LAST_EVENT_ID_PATTERN},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {
                "oneOf": [
                    {
                        "description": "ready",
                        "type": "object",
                        "required": ["last_event_id"],
                        "properties": {"last_event_id": {"type": "integer", "minimum": 0}},
                    },
                    {"description": "reset", "type": "object", "maxProperties": 0},
                    {
                        "description": "session.created, session.revoked, session.updated",
                        "type": "object",
                        "required": ["session_id", "occurred_at"],
                        "properties": {
                            "session_id": {"type": "string"},
                            "occurred_at": {"type": "string", "format": "date-time"},
                        },
                    },
                ]
            },
        },
    },
}

_STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: `retry: 3000`, then a replay or `reset`, then `ready`, then live "
        "events and `: heartbeat` comments",
        "content": {"text/event-stream": {"schema": _EVENT_SCHEMA}},
    },
    **problem_responses(
        400,
        401,
        422,
        d400="Problem invalid_last_event_id: Last-Event-ID is not a non-negative integer of at most 19 digits",
    ),
}


@router.get("/sessions/events", response_class=EventSourceResponse, responses=_STREAM_RESPONSES)
async def stream_session_events(
    caller: CallerDep,
    state: State,
    db: Db,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            description="id of the last event received; the stream first replays the account's later events",
            # Checked in the handler, which returns 400 rather than FastAPI's 422.
            json_schema_extra={"pattern": LAST_EVENT_ID_PATTERN},
        ),
    ] = None,
) -> EventSourceResponse:
    """Stream the account's session.created, session.revoked and session.updated events.

    The stream closes after the caller's own session.revoked event.
    """
    after_id = parse_last_event_id(last_event_id)
    loop = asyncio.get_running_loop()
    subscription, opening = await run_in_threadpool(_open, state, db, caller, after_id, loop)
    logger.info(
        "event stream opened by session %s of account %d after event id %s",
        caller.session.public_id,
        caller.account.id,
        after_id,
    )
    return EventSourceResponse(_stream(state, caller, subscription, opening), ping=0, sep=_SEPARATOR)


def _open(
    state: ServerState, db: OrmSession, caller: Caller, after_id: int | None, loop: asyncio.AbstractEventLoop
) -> tuple[Subscription, Opening]:
    """Subscribe, then read the opening, so no event committed in between is lost.

    Closes the request's ORM session, which would otherwise keep its database
    connection until the stream ends.
    """
    subscription = state.event_hub.subscribe(caller.account.id, loop)
    try:
        return subscription, read_opening(db, caller, after_id)
    except BaseException:
        subscription.close()
        raise
    finally:
        db.close()
