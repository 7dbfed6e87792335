"""FastAPI dependencies: server state, database session, client IP and bearer authentication."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session as OrmSession

from . import session_store
from .db import Account, SessionRecord
from .network import client_ip
from .problems import unauthorized
from .state import ServerState

logger = logging.getLogger(__name__)

_CLIENT_HINT_HEADERS = ("sec-ch-ua-platform", "sec-ch-ua-platform-version", "sec-ch-ua-model", "sec-ch-ua-mobile")
_bearer = HTTPBearer(auto_error=False, description="access_token from /auth/login or /auth/mfa")


def get_state(request: Request) -> ServerState:
    return request.app.state.server


State = Annotated[ServerState, Depends(get_state)]


async def get_db(state: State) -> AsyncIterator[OrmSession]:
    """Yield a database session and close it on the event loop after the response.

    A sync generator's clean-up would run on the thread pool of the sync endpoints
    (40 threads). With more concurrent requests than that, every thread could wait
    for a database connection (15 in the pool) that only a clean-up would return,
    and requests failed after the pool's 30 s timeout. An async generator's clean-up
    needs no thread.
    """
    db = state.session_factory()
    try:
        yield db
    finally:
        db.close()


Db = Annotated[OrmSession, Depends(get_db)]


def get_client_ip(request: Request, state: State) -> str | None:
    peer = request.client.host if request.client else None
    return client_ip(peer, request.headers.getlist("x-forwarded-for"), state.trusted_proxies)


ClientIp = Annotated[str | None, Depends(get_client_ip)]


def client_hints(request: Request) -> dict[str, str]:
    return {name: request.headers[name] for name in _CLIENT_HINT_HEADERS if name in request.headers}


@dataclass
class Caller:
    """The authenticated account and the session making the request."""

    account: Account
    session: SessionRecord


def get_caller(
    state: State,
    db: Db,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """Authenticate the bearer token; raise a 401 problem when it is missing, unknown or ended."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise unauthorized("A bearer token is required.")
    found = session_store.find_by_token(db, credentials.credentials)
    now = state.config.clock()
    if found is None or not session_store.is_live(found[0], found[1], state.config, now):
        if found is not None:
            # Unrevoked but ended by inactivity or the absolute lifetime: record that it ended.
            session_store.mark_ended(db, found[1], state.config, now)
        raise unauthorized("The bearer token is invalid, revoked or expired.")
    record, account = found
    session_store.touch(db, record, account, state.config, now)
    # End the read transaction, so the connection goes back to the pool before this
    # thread does. A connection held between this dependency and the endpoint, while
    # both wait for a thread, could leave every thread waiting for a connection.
    db.commit()
    return Caller(account, record)


CallerDep = Annotated[Caller, Depends(get_caller)]
