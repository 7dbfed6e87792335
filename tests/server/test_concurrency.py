"""Revocation racing authenticated requests and sign-ins, on a server running on real time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sessions_server.config import utc_now
from sessions_server.db import SessionRecord
from tests.server.server_support import CHROME_WINDOWS, PASSWORD, Api, server_state

EMAIL = "race@example.com"
SESSION_COUNT = 30
READER_THREADS = 8
# Each iteration starts its own server; 20 runs make a lost race show up as a failure, not a rare flake.
ITERATIONS = 20
# Upper bound for one iteration; on the development machine one takes well under a second.
ITERATION_TIMEOUT_SECONDS = 30


@pytest.fixture
def racing(api_factory: Any) -> Api:
    """Server on the real clock that writes last_active_at on every authenticated request."""
    api: Api = api_factory(clock=utc_now, activity_write_interval_seconds=0)
    api.create_account(EMAIL)
    return api


def new_client(api: Api) -> httpx.Client:
    return httpx.Client(base_url=str(api.client.base_url), headers={"User-Agent": CHROME_WINDOWS}, timeout=20)


def sign_in_many(api: Api, count: int) -> list[tuple[str, str]]:
    sessions = []
    for _ in range(count):
        body = api.sign_in(EMAIL)
        sessions.append((body["access_token"], body["session"]["id"]))
    return sessions


def unrevoked_ids(api: Api) -> set[str]:
    with server_state(api.server).session_factory() as db:
        return set(db.scalars(select(SessionRecord.public_id).where(SessionRecord.revoked_at.is_(None))))


class Readers:
    """Threads sending GET /sessions and GET /account with the given tokens until stopped."""

    def __init__(self, api: Api, tokens: list[str]) -> None:
        self._api = api
        self._tokens = tokens
        self._stop = threading.Event()
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(READER_THREADS)]

    def _run(self, offset: int) -> None:
        with new_client(self._api) as client:
            n = offset
            while not self._stop.is_set():
                token = self._tokens[n % len(self._tokens)]
                path = "/sessions" if n % 2 else "/account"
                status = client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code
                with self._lock:
                    self.statuses[status] += 1
                n += READER_THREADS

    def __enter__(self) -> Readers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(ITERATION_TIMEOUT_SECONDS)


@pytest.mark.parametrize("iteration", range(ITERATIONS))
def test_revocation_race_never_revives(racing: Api, iteration: int) -> None:
    started = time.monotonic()
    sessions = sign_in_many(racing, SESSION_COUNT)
    caller_token, caller_id = sessions[0]
    deleted = sessions[1:11]
    kept_until_revoke_others = sessions[11:]
    other_tokens = [token for token, _ in sessions[1:]]

    with Readers(racing, [caller_token, *other_tokens]) as readers:
        with ThreadPoolExecutor(max_workers=5) as pool:
            with new_client(racing) as client:
                auth = {"Authorization": f"Bearer {caller_token}"}
                statuses = list(pool.map(lambda s: client.delete(f"/sessions/{s[1]}", headers=auth).status_code, deleted))
        assert statuses == [204] * len(deleted)
        # Revoking single sessions touched no other session.
        assert unrevoked_ids(racing) == {caller_id, *(sid for _, sid in kept_until_revoke_others)}

        revoke = racing.post("/sessions/revoke-others", caller_token)
        assert revoke.status_code == 200
        assert revoke.json() == {"revoked": len(kept_until_revoke_others)}
        # Readers keep going briefly, so authenticated requests also follow the revocation.
        time.sleep(0.05)

    assert set(readers.statuses) <= {200, 401}, readers.statuses
    assert readers.statuses[200] > 0
    for token in other_tokens:
        assert racing.get("/account", token).status_code == 401
    listed = [s["id"] for s in racing.get("/sessions", caller_token).json()["sessions"]]
    assert listed == [caller_id]
    assert unrevoked_ids(racing) == {caller_id}
    assert time.monotonic() - started < ITERATION_TIMEOUT_SECONDS


def test_revoke_others_with_concurrent_sign_ins(racing: Api) -> None:
    caller_token, caller_id = sign_in_many(racing, 1)[0]
    sign_ins: list[tuple[str, float]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def sign_in_repeatedly() -> None:
        with new_client(racing) as client:
            while not stop.is_set():
                response = client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
                assert response.status_code == 200, response.text
                with lock:
                    sign_ins.append((response.json()["access_token"], time.monotonic()))

    threads = [threading.Thread(target=sign_in_repeatedly) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    revoke_sent = time.monotonic()
    revoke = racing.post("/sessions/revoke-others", caller_token)
    time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(ITERATION_TIMEOUT_SECONDS)

    assert revoke.status_code == 200
    assert racing.get("/account", caller_token).status_code == 200
    revoked = 0
    for token, finished in sign_ins:
        status = racing.get("/account", token).status_code
        if finished < revoke_sent:
            # Signed in before revoke-others was sent, so its UPDATE must have ended it.
            assert status == 401
        if status == 401:
            revoked += 1
    assert revoked == revoke.json()["revoked"]
    assert revoked < len(sign_ins), "no sign-in committed after the revocation; the test exercised nothing"


# More concurrent requests than the server's 40 worker threads, so that every thread
# has a request while the database connection pool (15 connections) is exhausted.
BURST_REQUESTS = 64


def test_burst_beyond_thread_pool_all_succeed(api_factory: Any) -> None:
    api: Api = api_factory(clock=utc_now)
    api.create_account(EMAIL)
    token = api.sign_in(EMAIL)["access_token"]
    barrier = threading.Barrier(BURST_REQUESTS)

    def list_sessions(_: int) -> int:
        # A timeout above the pool's 30 s wait, so a stall ends as a 500 instead of a client error.
        with httpx.Client(base_url=str(api.client.base_url), timeout=60) as http:
            barrier.wait()
            return http.get("/sessions", headers={"Authorization": f"Bearer {token}"}).status_code

    with ThreadPoolExecutor(max_workers=BURST_REQUESTS) as pool:
        statuses = Counter(pool.map(list_sessions, range(BURST_REQUESTS)))
    assert statuses == {200: BURST_REQUESTS}
