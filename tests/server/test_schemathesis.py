"""Property-based API tests: schemathesis sends generated requests to a real server on a loopback port.

Every operation of /openapi.json gets valid and invalid requests. Each
response must not be a 5xx, must use a documented status code, content type
and headers, and its body must match the documented schema.
"""

from __future__ import annotations

import threading

import httpx
import pyotp
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sessions_server.embedded import EmbeddedServer
from tests.conftest import ServerFactory, TestDatabases

EMAIL = "fuzz@example.com"
PASSWORD = "correct horse battery staple"
# Generated requests per operation and generation mode. The PostgreSQL run gets fewer,
# because request handling is the same and only the database differs. This file took
# about 50 s on a shared 2-core machine, about 10 s of it waiting for event streams
# to close (see EVENTS_SIGN_OUT_AFTER_SECONDS).
MAX_EXAMPLES = {"sqlite": 25, "postgresql": 10}
# GET /sessions/events returns 200 with a stream that lasts until the caller's session
# ends. Each generated request to it signs its session out after this many seconds,
# so the server closes the stream after its session.revoked event and the whole
# response can be checked. A request whose session is signed out before the stream
# opens gets 401, which is also a documented response.
EVENTS_PATH = "/api/v1/sessions/events"
EVENTS_SIGN_OUT_AFTER_SECONDS = 0.3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_server(make_server: ServerFactory) -> EmbeddedServer:
    server = make_server(
        # Low Argon2 cost, because every generated request signs in first.
        argon2_time_cost=1,
        argon2_memory_cost_kib=1024,
        argon2_parallelism=1,
        # Generated sign-ins with wrong passwords would otherwise lock out the per-request sign-in.
        throttle_max_failures=1_000_000,
    )
    server.create_account(EMAIL, PASSWORD, enable_2fa=False)
    return server


def sign_in(server: EmbeddedServer) -> str:
    """Return the access token of a new session."""
    response = httpx.post(f"{server.url}/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    response.raise_for_status()
    return response.json()["access_token"]


def sign_out_session(server: EmbeddedServer, token: str) -> None:
    httpx.post(f"{server.url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})


def check_operation(server: EmbeddedServer, operation: APIOperation, mode: GenerationMode, examples: int) -> None:
    """Send generated requests to one operation and raise the first failed check, shrunk by Hypothesis."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def send(case: schemathesis.Case) -> None:
        # A new session per request, because generated requests sign out and revoke sessions.
        token = sign_in(server)
        if operation.path != EVENTS_PATH:
            case.call_and_validate(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
            return
        sign_out = threading.Timer(EVENTS_SIGN_OUT_AFTER_SECONDS, sign_out_session, (server, token))
        sign_out.start()
        try:
            case.call_and_validate(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
        finally:
            sign_out.cancel()
            sign_out.join()

    send()


# NOTE: schemathesis.pytest.from_fixture(...).parametrize() fails on pytest 9.2 in
# schemathesis 4.32.5 (AttributeError: 'Function' object has no attribute '_nodeid'),
# so each operation runs in a pytest subtest with a Hypothesis strategy from the schema.
def test_api_conforms_to_schema(
    api_server: EmbeddedServer, databases: TestDatabases, subtests: pytest.Subtests
) -> None:
    schema = schemathesis.openapi.from_url(f"{api_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(msg=f"{operation.label} {mode.value}"):
                check_operation(api_server, operation, mode, MAX_EXAMPLES[databases.dialect])


def test_success_responses_conform(api_server: EmbeddedServer, subtests: pytest.Subtests) -> None:
    """Validate responses that generated data cannot reach: correct credentials, TOTP codes and session ids."""
    schema = schemathesis.openapi.from_url(f"{api_server.url}/openapi.json")
    secrets = api_server.create_account("fuzz-2fa@example.com", PASSWORD, enable_2fa=True)
    assert secrets.totp_secret is not None

    def operation(method: str, path: str) -> APIOperation:
        return schema[f"/api/v1{path}"][method]

    def send(case: schemathesis.Case, expected_status: int, token: str | None = None) -> schemathesis.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        response = case.call_and_validate(base_url=api_server.url, headers=headers, checks=CHECKS)
        assert response.status_code == expected_status, response.text
        return response

    with subtests.test(msg="POST /auth/login 200 authenticated"):
        login = operation("POST", "/auth/login").Case(body={"email": EMAIL, "password": PASSWORD})
        send(login, 200)

    with subtests.test(msg="POST /auth/login 200 mfa_required, then POST /auth/mfa 200"):
        login = operation("POST", "/auth/login").Case(body={"email": "fuzz-2fa@example.com", "password": PASSWORD})
        mfa_token = send(login, 200).json()["mfa_token"]
        code = pyotp.TOTP(secrets.totp_secret).now()
        send(operation("POST", "/auth/mfa").Case(body={"mfa_token": mfa_token, "code": code}), 200)

    with subtests.test(msg="GET /sessions 200 and 304"):
        token = sign_in(api_server)
        listing = send(operation("GET", "/sessions").Case(), 200, token)
        # Header values of schemathesis responses are lists.
        etag = listing.headers["etag"][0]
        send(operation("GET", "/sessions").Case(headers={"If-None-Match": etag}), 304, token)

    with subtests.test(msg="DELETE /sessions/{session_id} 204 and 409"):
        token = sign_in(api_server)
        other_token = sign_in(api_server)
        delete = operation("DELETE", "/sessions/{session_id}")
        send(delete.Case(path_parameters={"session_id": current_session_id(api_server, other_token)}), 204, token)
        send(delete.Case(path_parameters={"session_id": current_session_id(api_server, token)}), 409, token)


def current_session_id(server: EmbeddedServer, token: str) -> str:
    response = httpx.get(f"{server.url}/api/v1/sessions", headers={"Authorization": f"Bearer {token}"})
    return next(session["id"] for session in response.json()["sessions"] if session["current"])
