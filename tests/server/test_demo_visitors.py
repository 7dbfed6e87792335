"""Demo visitors: real sign-ins that keep arriving while the demo runs."""

from __future__ import annotations

import httpx
import pytest

from sessions_server.demo import DEMO_VISITORS, sign_in_visitor, start_demo_server


@pytest.fixture
def demo(tmp_path):
    server, account = start_demo_server(tmp_path)
    yield server, account
    server.stop()


def _listed_ids(server, account) -> set[str]:
    with httpx.Client(base_url=server.url + "/api/v1") as http:
        challenge = http.post("/auth/login", json={"email": account.email, "password": account.password}).json()
        answer = http.post("/auth/mfa", json={"mfa_token": challenge["mfa_token"], "code": account.recovery_codes[0]})
        token = answer.json()["access_token"]
        sessions = http.get("/sessions", headers={"Authorization": f"Bearer {token}"}).json()["sessions"]
    return {session["id"] for session in sessions}


def test_back_to_back_visitors_use_new_steps(demo):
    # Two sign-ins within one 30 s TOTP step must not reuse the step's code.
    server, account = demo
    _, first_step = sign_in_visitor(server.url, account, DEMO_VISITORS[0])
    _, second_step = sign_in_visitor(server.url, account, DEMO_VISITORS[1], first_step)
    assert second_step > first_step


def test_back_to_back_visitors_are_listed(demo):
    server, account = demo
    first_id, first_step = sign_in_visitor(server.url, account, DEMO_VISITORS[0])
    second_id, _ = sign_in_visitor(server.url, account, DEMO_VISITORS[1], first_step)
    assert {first_id, second_id} <= _listed_ids(server, account)


def test_visitors_start_unfamiliar_then_familiar():
    assert [visitor.familiar for visitor in DEMO_VISITORS[:2]] == [False, True]
