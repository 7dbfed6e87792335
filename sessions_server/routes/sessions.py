"""Listing and revoking the caller's sessions."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import TypeAdapter

from .. import session_store
from ..deps import CallerDep, Db, State
from ..problems import ProblemError, problem_responses
from ..schemas import RevokeOthersResult, Session, SessionList, format_timestamp

logger = logging.getLogger(__name__)

router = APIRouter(tags=["sessions"])

_SESSIONS_ADAPTER = TypeAdapter(list[Session])


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Apply the weak comparison that RFC 9110 prescribes for If-None-Match."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates


@router.get(
    "/sessions",
    response_model=SessionList,
    responses={
        200: {"headers": {"ETag": {"description": "Strong ETag of the sessions array", "schema": {"type": "string"}}}},
        304: {"description": "The sessions array is unchanged since the ETag in If-None-Match"},
        **problem_responses(401, 422),
    },
)
def list_sessions(
    caller: CallerDep, state: State, db: Db, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    """List the account's live sessions, the caller's first, then by last activity."""
    now = state.config.clock()
    records = session_store.list_live(db, caller.account, state.config, now)
    records.sort(key=lambda r: (r.id != caller.session.id, -r.last_active_at.timestamp(), r.public_id))
    sessions = [session_store.to_schema(r, caller.session.id, now, state.config.active_days) for r in records]

    # The ETag covers the sessions array only, so server_time does not change it between polls.
    # The array is serialised once, for the ETag and for the body, which is the
    # SessionList model's JSON.
    array = _SESSIONS_ADAPTER.dump_json(sessions)
    etag = '"' + hashlib.sha256(array).hexdigest()[:32] + '"'
    if _etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    body = b'{"sessions":' + array + b',"server_time":"' + format_timestamp(now).encode() + b'"}'
    return Response(body, media_type="application/json", headers={"ETag": etag})


_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@router.delete(
    "/sessions/{session_id}", status_code=204, response_class=Response, responses=problem_responses(401, 404, 409, 422)
)
def revoke_session(session_id: str, caller: CallerDep, state: State, db: Db) -> Response:
    """Revoke one of the account's other sessions."""
    now = state.config.clock()
    not_found = ProblemError(404, "session_not_found", f"No active session with id {session_id[:64]!r}.")
    # Public ids are URL-safe base64; anything else (a NUL byte, which PostgreSQL
    # rejects in text) cannot name a session and never reaches the database.
    if not _PUBLIC_ID.fullmatch(session_id):
        raise not_found
    record = session_store.find_live(db, caller.account, session_id, state.config, now)
    if record is None:
        raise not_found
    if record.id == caller.session.id:
        raise ProblemError(409, "current_session", "This is the current session; use POST /auth/logout to end it.")
    if session_store.revoke(db, [record.id], now) != 1:
        raise not_found
    logger.info(
        "session %s of account %d revoked by session %s",
        record.public_id,
        caller.account.id,
        caller.session.public_id,
    )
    return Response(status_code=204)


@router.post("/sessions/revoke-others", response_model=RevokeOthersResult, responses=problem_responses(401))
def revoke_other_sessions(caller: CallerDep, state: State, db: Db) -> RevokeOthersResult:
    """Revoke every live session of the account except the caller's."""
    revoked = session_store.revoke_others(db, caller.account, caller.session.id, state.config, state.config.clock())
    db.commit()
    logger.info(
        "session %s of account %d revoked %d other sessions", caller.session.public_id, caller.account.id, revoked
    )
    return RevokeOthersResult(revoked=revoked)
