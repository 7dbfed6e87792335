"""GET /sessions/events: Server-Sent Events from real servers on loopback, read with httpx streaming.

Every test runs on SQLite and on PostgreSQL. The cross-process tests start
two `python -m sessions_server serve` processes on one database.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from sessions_server import event_log
from sessions_server.accounts import create_account
from sessions_server.db import Account, SessionEvent, create_db_engine, create_session_factory
from sessions_server.security import PasswordService
from tests.conftest import ServerFactory, TestDatabases
from tests.server.server_support import PASSWORD, Api, FakeClock, server_state

EMAIL = "owner@example.com"
OTHER_EMAIL = "stranger@example.com"
# Seconds an httpx read may wait; a missing event fails the test instead of hanging it.
READ_TIMEOUT_SECONDS = 20.0
SHORT_HEARTBEAT_SECONDS = 0.2


@dataclass
class Message:
    """One SSE block: an event, a comment or a retry setting."""

    event: str | None = None
    id: str | None = None
    data: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        assert self.data is not None
        return json.loads(self.data)


class EventStream:
    """Parser of a text/event-stream body into Message blocks."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def next_message(self) -> Message | None:
        """Return the next block, or None at the end of the stream."""
        message = Message()
        seen_field = False
        for line in self._lines:
            if line == "":
                if seen_field:
                    return message
                continue
            seen_field = True
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                message.comments.append(value)
            elif name == "event":
                message.event = value
            elif name == "id":
                message.id = value
            elif name == "data":
                message.data = value if message.data is None else f"{message.data}\n{value}"
            elif name == "retry":
                message.retry = int(value)
        return message if seen_field else None

    def next_event(self) -> Message:
        """Return the next block with an event, skipping comments and retry settings."""
        while True:
            message = self.next_message()
            assert message is not None, "the stream ended before another event"
            if message.event is not None:
                return message

    def until_ready(self) -> list[Message]:
        """Return the events before `ready`, and `ready` last."""
        events = [self.next_event()]
        while events[-1].event != "ready":
            events.append(self.next_event())
        return events

    def rest(self) -> list[Message]:
        """Return every remaining block until the server ends the stream."""
        messages = []
        while (message := self.next_message()) is not None:
            messages.append(message)
        return messages


@pytest.fixture
def owner(api: Api) -> Api:
    api.create_account(EMAIL)
    return api


@pytest.fixture
def stream_client(api: Api) -> Iterator[httpx.Client]:
    timeout = httpx.Timeout(5.0, read=READ_TIMEOUT_SECONDS)
    with httpx.Client(base_url=str(api.client.base_url), timeout=timeout) as client:
        yield client


@contextlib.contextmanager
def open_stream(client: httpx.Client, token: str, last_event_id: str | None = None) -> Iterator[EventStream]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    with client.stream("GET", "/sessions/events", headers=headers) as response:
        yield EventStream(response)


def sign_in(api: Api, email: str = EMAIL) -> tuple[str, str]:
    """Return (access_token, session id) of a new session."""
    body = api.sign_in(email)
    return body["access_token"], body["session"]["id"]


def account_id(api: Api, email: str = EMAIL) -> int:
    with server_state(api.server).session_factory() as db:
        found = db.scalar(select(Account.id).where(Account.email == email))
    assert found is not None
    return found


def stored_ids(api: Api, email: str = EMAIL) -> list[int]:
    with server_state(api.server).session_factory() as db:
        owner_id = db.scalar(select(Account.id).where(Account.email == email))
        query = select(SessionEvent.id).where(SessionEvent.account_id == owner_id).order_by(SessionEvent.id)
        return list(db.scalars(query))


# Response and opening


def test_stream_response_headers(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        headers = stream.response.headers
        assert stream.response.status_code == 200
        assert headers["content-type"].split(";")[0] == "text/event-stream"
        assert headers["cache-control"] == "no-store"
        assert headers["x-accel-buffering"] == "no"


def test_stream_starts_with_retry(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        first = stream.next_message()
    assert first == Message(retry=3000)


def test_ready_names_newest_event(owner: Api, stream_client: httpx.Client) -> None:
    sign_in(owner)
    token, _ = sign_in(owner)
    newest = stored_ids(owner)[-1]
    with open_stream(stream_client, token) as stream:
        opening = stream.until_ready()
    assert [(m.event, m.id, m.json()) for m in opening] == [("ready", str(newest), {"last_event_id": newest})]


def test_ready_ignores_other_accounts(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    owner.create_account(OTHER_EMAIL)
    sign_in(owner, OTHER_EMAIL)
    with open_stream(stream_client, token) as stream:
        ready = stream.until_ready()[-1]
    assert ready.json() == {"last_event_id": stored_ids(owner)[-1]}


# One event per change


def test_sign_in_sends_created(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        _, new_id = sign_in(owner)
        event = stream.next_event()
    assert (event.event, event.json()) == (
        "session.created",
        {"session_id": new_id, "occurred_at": "2026-06-01T12:00:00Z"},
    )


def test_sign_in_with_2fa_sends_created(owner: Api, stream_client: httpx.Client) -> None:
    secrets = owner.create_account("mfa@example.com", enable_2fa=True)
    first = owner.mfa(owner.login("mfa@example.com").json()["mfa_token"], owner.totp_code(secrets)).json()
    with open_stream(stream_client, first["access_token"]) as stream:
        stream.until_ready()
        mfa_token = owner.login("mfa@example.com").json()["mfa_token"]
        second = owner.mfa(mfa_token, owner.totp_code(secrets, steps=1)).json()
        event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.created", second["session"]["id"])


def test_event_ids_increase(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        ready = stream.until_ready()[-1]
        sign_in(owner)
        sign_in(owner)
        ids = [int(ready.id or 0), int(stream.next_event().id or 0), int(stream.next_event().id or 0)]
    assert ids == sorted(set(ids))


def test_delete_sends_revoked(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    _, other_id = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        assert owner.delete(f"/sessions/{other_id}", token).status_code == 204
        event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.revoked", other_id)


def test_logout_sends_revoked(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    other_token, other_id = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        assert owner.post("/auth/logout", other_token).status_code == 204
        event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.revoked", other_id)


def test_revoke_others_sends_revoked_each(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    others = {sign_in(owner)[1] for _ in range(3)}
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        assert owner.post("/sessions/revoke-others", token).json() == {"revoked": 3}
        events = [stream.next_event() for _ in others]
    assert {(e.event, e.json()["session_id"]) for e in events} == {("session.revoked", i) for i in others}


def test_password_change_sends_revoked(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    _, other_id = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        body = {"current_password": PASSWORD, "new_password": "another long passphrase"}
        assert owner.post("/account/password", token, body).status_code == 200
        event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.revoked", other_id)


def test_shorter_ttl_sends_revoked_for_idle(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    _, idle_id = sign_in(owner)
    owner.server.backdate_session(idle_id, last_active_at=owner.clock.now - timedelta(days=10))
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        assert owner.patch("/account", token, {"session_ttl_days": 7}).status_code == 200
        event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.revoked", idle_id)


def test_listing_sends_revoked_for_expired(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    _, idle_id = sign_in(owner)
    owner.server.backdate_session(idle_id, last_active_at=owner.clock.now - timedelta(days=31))
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        assert owner.get("/sessions", token).status_code == 200
        event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.revoked", idle_id)


def test_expired_token_sends_revoked(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    old_token, old_id = sign_in(owner)
    owner.server.backdate_session(
        old_id, last_active_at=owner.clock.now, created_at=owner.clock.now - timedelta(days=91)
    )
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        assert owner.get("/account", old_token).status_code == 401
        event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.revoked", old_id)


def test_activity_write_sends_updated(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    other_token, other_id = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        owner.clock.advance(seconds=61)
        assert owner.get("/account", other_token).status_code == 200
        event = stream.next_event()
    assert (event.event, event.json()) == (
        "session.updated",
        {"session_id": other_id, "occurred_at": "2026-06-01T12:01:01Z"},
    )


def test_activity_within_interval_sends_nothing(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    other_token, _ = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        owner.clock.advance(seconds=30)
        assert owner.get("/account", other_token).status_code == 200
        # A later sign-in is the next event, so the request above wrote none.
        _, marker_id = sign_in(owner)
        event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.created", marker_id)


def test_other_account_events_never_appear(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    owner.create_account(OTHER_EMAIL)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        stranger_token, _ = sign_in(owner, OTHER_EMAIL)
        _, stranger_other = sign_in(owner, OTHER_EMAIL)
        owner.delete(f"/sessions/{stranger_other}", stranger_token)
        _, marker_id = sign_in(owner)
        event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.created", marker_id)


# Replay with Last-Event-ID


def test_replay_after_last_event_id(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        ready_id = stream.until_ready()[-1].id
    _, created_id = sign_in(owner)
    owner.delete(f"/sessions/{created_id}", token)
    owner.create_account(OTHER_EMAIL)
    sign_in(owner, OTHER_EMAIL)
    with open_stream(stream_client, token, ready_id) as stream:
        opening = stream.until_ready()
    assert [(m.event, m.id) for m in opening] == [
        ("session.created", str(stored_ids(owner)[-2])),
        ("session.revoked", str(stored_ids(owner)[-1])),
        ("ready", str(stored_ids(owner)[-1])),
    ]


def test_replay_then_live_without_gap(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        ready_id = stream.until_ready()[-1].id
    _, missed_id = sign_in(owner)
    with open_stream(stream_client, token, ready_id) as stream:
        replayed = [m.json().get("session_id") for m in stream.until_ready()]
        _, live_id = sign_in(owner)
        live = stream.next_event().json()["session_id"]
    assert replayed + [live] == [missed_id, None, live_id]


def test_replay_at_newest_sends_only_ready(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    newest = str(stored_ids(owner)[-1])
    with open_stream(stream_client, token, newest) as stream:
        opening = stream.until_ready()
    assert [(m.event, m.id) for m in opening] == [("ready", newest)]


def test_replay_from_zero_sends_all(owner: Api, stream_client: httpx.Client) -> None:
    sign_in(owner)
    token, _ = sign_in(owner)
    with open_stream(stream_client, token, "0") as stream:
        opening = stream.until_ready()
    assert [int(m.id or 0) for m in opening[:-1]] == stored_ids(owner)


@pytest.mark.parametrize("ahead", [1, 1000])
def test_reset_when_id_in_future(owner: Api, stream_client: httpx.Client, ahead: int) -> None:
    token, _ = sign_in(owner)
    newest = stored_ids(owner)[-1]
    with open_stream(stream_client, token, str(newest + ahead)) as stream:
        opening = stream.until_ready()
    assert [(m.event, m.id, m.json()) for m in opening] == [
        ("reset", str(newest), {}),
        ("ready", str(newest), {"last_event_id": newest}),
    ]


def test_reset_for_largest_accepted_id(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    with open_stream(stream_client, token, "9" * 19) as stream:
        opening = stream.until_ready()
    assert [m.event for m in opening] == ["reset", "ready"]


def add_old_events(api: Api, count: int) -> None:
    """Write `count` session.updated events dated 8 days ago for the owner, through the event log."""
    with server_state(api.server).session_factory() as db:
        event_log.record(
            db, account_id(api), event_log.SESSION_UPDATED, ["old"] * count, api.clock.now - timedelta(days=8)
        )
        db.commit()


def test_prune_keeps_newest_and_recent(owner: Api) -> None:
    sign_in(owner)
    add_old_events(owner, event_log.KEEP_NEWEST + 100)
    before = stored_ids(owner)
    # The next event deletes the old events beyond the newest KEEP_NEWEST.
    sign_in(owner)
    after = stored_ids(owner)
    assert after == [before[0]] + before[-(event_log.KEEP_NEWEST - 1) :] + after[-1:]


def test_prune_keeps_recent_beyond_count(owner: Api) -> None:
    for _ in range(3):
        sign_in(owner)
    with server_state(owner.server).session_factory() as db:
        recent = ["new"] * event_log.KEEP_NEWEST
        event_log.record(db, account_id(owner), event_log.SESSION_UPDATED, recent, owner.clock.now)
        db.commit()
    assert len(stored_ids(owner)) == event_log.KEEP_NEWEST + 3


def test_reset_when_pruned(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    add_old_events(owner, event_log.KEEP_NEWEST + 100)
    first_old = stored_ids(owner)[1]
    sign_in(owner)
    with open_stream(stream_client, token, str(first_old)) as stream:
        opening = stream.until_ready()
    assert [m.event for m in opening] == ["reset", "ready"]


def test_replay_when_log_reaches_back(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    add_old_events(owner, event_log.KEEP_NEWEST + 100)
    sign_in(owner)
    oldest_kept_old = stored_ids(owner)[1]
    with open_stream(stream_client, token, str(oldest_kept_old - 1)) as stream:
        opening = stream.until_ready()
    assert [m.event for m in opening].count("reset") == 0
    assert len(opening) == event_log.KEEP_NEWEST + 1


# Errors


# Arabic-Indic digits, which Python's int() accepts, sent as UTF-8 bytes.
ARABIC_INDIC_12 = "١٢".encode()


@pytest.mark.parametrize("value", ["abc", "-1", "+1", "1" * 20, "1" * 30, "1.5", "0x10", "", ARABIC_INDIC_12])
def test_invalid_last_event_id(owner: Api, stream_client: httpx.Client, value: str | bytes) -> None:
    token, _ = sign_in(owner)
    headers = {"Authorization": f"Bearer {token}", "Last-Event-ID": value}
    response = stream_client.get("/sessions/events", headers=headers)
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_last_event_id"


def test_invalid_last_event_id_not_echoed_garbled(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    headers = {"Authorization": f"Bearer {token}", "Last-Event-ID": ARABIC_INDIC_12}
    detail = stream_client.get("/sessions/events", headers=headers).json()["detail"]
    assert detail.endswith("not a value with other characters.")


def test_invalid_last_event_id_echoed(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    headers = {"Authorization": f"Bearer {token}", "Last-Event-ID": "abc"}
    detail = stream_client.get("/sessions/events", headers=headers).json()["detail"]
    assert detail.endswith("not 'abc'.")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic b3duZXI="}])
def test_missing_or_invalid_token(owner: Api, stream_client: httpx.Client, headers: dict[str, str]) -> None:
    response = stream_client.get("/sessions/events", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_revoked_token(owner: Api, stream_client: httpx.Client) -> None:
    token, _ = sign_in(owner)
    owner.post("/auth/logout", token)
    response = stream_client.get("/sessions/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


# Heartbeat and the end of a stream


def test_heartbeat_arrives(api_factory: Any) -> None:
    api: Api = api_factory(events_heartbeat_seconds=SHORT_HEARTBEAT_SECONDS)
    api.create_account(EMAIL)
    token, _ = sign_in(api)
    with httpx.Client(base_url=str(api.client.base_url), timeout=READ_TIMEOUT_SECONDS) as client:
        with open_stream(client, token) as stream:
            stream.until_ready()
            message = stream.next_message()
    assert message == Message(comments=["heartbeat"])


def test_closes_after_own_delete(owner: Api, stream_client: httpx.Client) -> None:
    token, own_id = sign_in(owner)
    other_token, _ = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        owner.delete(f"/sessions/{own_id}", other_token)
        rest = stream.rest()
    assert [(m.event, m.json()["session_id"]) for m in rest] == [("session.revoked", own_id)]


def test_closes_after_revoke_others(owner: Api, stream_client: httpx.Client) -> None:
    token, own_id = sign_in(owner)
    other_token, _ = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        owner.post("/sessions/revoke-others", other_token)
        rest = stream.rest()
    assert [(m.event, m.json()["session_id"]) for m in rest] == [("session.revoked", own_id)]


def test_closes_after_own_logout(owner: Api, stream_client: httpx.Client) -> None:
    token, own_id = sign_in(owner)
    with open_stream(stream_client, token) as stream:
        stream.until_ready()
        owner.post("/auth/logout", token)
        rest = stream.rest()
    assert [(m.event, m.json()["session_id"]) for m in rest] == [("session.revoked", own_id)]


def test_closes_when_own_session_expires(api_factory: Any, clock: FakeClock) -> None:
    api: Api = api_factory(events_heartbeat_seconds=SHORT_HEARTBEAT_SECONDS)
    api.create_account(EMAIL)
    token, own_id = sign_in(api)
    with httpx.Client(base_url=str(api.client.base_url), timeout=READ_TIMEOUT_SECONDS) as client:
        with open_stream(client, token) as stream:
            stream.until_ready()
            clock.advance(days=31)
            events = [m for m in stream.rest() if m.event is not None]
    assert [(m.event, m.json()["session_id"]) for m in events] == [("session.revoked", own_id)]


def test_closes_at_absolute_lifetime(api_factory: Any, clock: FakeClock) -> None:
    api: Api = api_factory(events_heartbeat_seconds=SHORT_HEARTBEAT_SECONDS)
    api.create_account(EMAIL)
    token, own_id = sign_in(api)
    with httpx.Client(base_url=str(api.client.base_url), timeout=READ_TIMEOUT_SECONDS) as client:
        with open_stream(client, token) as stream:
            stream.until_ready()
            api.server.backdate_session(own_id, last_active_at=clock.now, created_at=clock.now - timedelta(days=91))
            events = [m for m in stream.rest() if m.event is not None]
    assert [m.json()["session_id"] for m in events] == [own_id]


def test_server_stop_ends_open_streams(make_server: ServerFactory) -> None:
    server = make_server(argon2_time_cost=1, argon2_memory_cost_kib=1024, argon2_parallelism=1)
    server.create_account(EMAIL, PASSWORD, enable_2fa=False)
    base_url = f"{server.url}/api/v1"
    with httpx.Client(base_url=base_url, timeout=READ_TIMEOUT_SECONDS) as client:
        token = client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()["access_token"]
        with open_stream(client, token) as first, open_stream(client, token) as second:
            first.until_ready()
            second.until_ready()
            thread = server._thread
            assert thread is not None
            server.stop()
            ended = (first.rest(), second.rest())
    assert not thread.is_alive()
    assert ended == ([], [])


def test_many_streams_leave_pool_free(owner: Api) -> None:
    token, _ = sign_in(owner)
    limits = httpx.Limits(max_connections=60)
    timeout = httpx.Timeout(READ_TIMEOUT_SECONDS)
    with httpx.Client(base_url=str(owner.client.base_url), timeout=timeout, limits=limits) as client:
        with contextlib.ExitStack() as stack:
            streams = [stack.enter_context(open_stream(client, token)) for _ in range(50)]
            for stream in streams:
                stream.until_ready()
            # 50 streams exceed SQLAlchemy's default pool of 5 + 10 overflow connections, so a
            # stream that kept its connection would make these requests wait for one.
            assert owner.get("/sessions", token).status_code == 200
            _, new_id = sign_in(owner)
            received = {stream.next_event().json()["session_id"] for stream in streams}
    assert received == {new_id}


def listener_count(api: Api) -> int:
    """Return how many connections to the server's PostgreSQL database last ran LISTEN."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"
    with server_state(api.server).engine.connect() as connection:
        return int(connection.execute(text(query)).scalar_one())


def test_one_listener_for_many_streams(owner: Api, stream_client: httpx.Client, databases: TestDatabases) -> None:
    if databases.dialect != "postgresql":
        pytest.skip("LISTEN exists only on PostgreSQL")
    token, _ = sign_in(owner)
    with contextlib.ExitStack() as stack:
        for _ in range(5):
            stack.enter_context(open_stream(stream_client, token)).until_ready()
        # The reader thread connects and runs LISTEN on its own after the first stream opened.
        deadline = time.monotonic() + READ_TIMEOUT_SECONDS
        while listener_count(owner) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        count = listener_count(owner)
    assert count == 1


# Several server processes on one database


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """`python -m sessions_server serve` on a free loopback port."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        self._log = log_path.open("wb")
        command = [sys.executable, "-m", "sessions_server", "serve", "--port", str(self.port)]
        command += ["--database", database_url]
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self._log.name}")
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"{self.url}/account", timeout=1)
                return
            time.sleep(0.1)
        raise TimeoutError(f"server on port {self.port} did not start; see {self._log.name}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._log.close()


@pytest.fixture
def two_processes(databases: TestDatabases, tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    url = databases.create_url()
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as db:
            create_account(
                db,
                PasswordService(1, 1024, 1),
                EMAIL,
                PASSWORD,
                enable_2fa=False,
                session_ttl_days=30,
                now=FakeClock().now,
            )
    finally:
        engine.dispose()
    servers = (ServerProcess(url, tmp_path / "a.log"), ServerProcess(url, tmp_path / "b.log"))
    try:
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


def process_sign_in(server: ServerProcess) -> tuple[str, str]:
    response = httpx.post(f"{server.url}/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=20)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["access_token"], body["session"]["id"]


def test_sign_in_on_other_process_appears(two_processes: tuple[ServerProcess, ServerProcess]) -> None:
    server_a, server_b = two_processes
    token, _ = process_sign_in(server_a)
    with httpx.Client(base_url=server_a.url, timeout=READ_TIMEOUT_SECONDS) as client:
        with open_stream(client, token) as stream:
            stream.until_ready()
            _, new_id = process_sign_in(server_b)
            event = stream.next_event()
    assert (event.event, event.json()["session_id"]) == ("session.created", new_id)


def test_revoke_on_other_process_closes_stream(two_processes: tuple[ServerProcess, ServerProcess]) -> None:
    server_a, server_b = two_processes
    token, own_id = process_sign_in(server_a)
    other_token, _ = process_sign_in(server_b)
    with httpx.Client(base_url=server_a.url, timeout=READ_TIMEOUT_SECONDS) as client:
        with open_stream(client, token) as stream:
            stream.until_ready()
            headers = {"Authorization": f"Bearer {other_token}"}
            response = httpx.delete(f"{server_b.url}/sessions/{own_id}", headers=headers)
            assert response.status_code == 204
            events = [m for m in stream.rest() if m.event is not None]
    assert [(m.event, m.json()["session_id"]) for m in events] == [("session.revoked", own_id)]


def test_process_exits_on_sigterm_with_open_stream(two_processes: tuple[ServerProcess, ServerProcess]) -> None:
    server_a, _ = two_processes
    token, _ = process_sign_in(server_a)
    with httpx.Client(base_url=server_a.url, timeout=READ_TIMEOUT_SECONDS) as client:
        with open_stream(client, token) as stream:
            stream.until_ready()
            server_a.process.send_signal(signal.SIGTERM)
            # The server ends the stream itself; a hanging shutdown would time this read out.
            rest = [m for m in stream.rest() if m.event is not None]
    assert rest == []
    assert server_a.process.wait(20) in (0, -signal.SIGTERM)

