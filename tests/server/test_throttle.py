"""Failed-attempt throttling: sliding window, exponential back-off and the 429 responses."""

from __future__ import annotations

from typing import Any

from sessions_server.throttle import FailureThrottle
from tests.server.server_support import PASSWORD, Api, FakeClock

KEY = ["account:x"]


def make_throttle(clock: FakeClock, **kwargs: int) -> FailureThrottle:
    settings = {"max_block_seconds": 480, "forget_after_seconds": 3600, **kwargs}
    return FailureThrottle(3, 60, clock, **settings)


def fail(throttle: FailureThrottle, times: int = 1) -> None:
    for _ in range(times):
        throttle.record_failure(KEY)


def test_throttle_allows_failures_below_limit(clock: FakeClock) -> None:
    throttle = make_throttle(clock)
    fail(throttle, 2)
    assert throttle.retry_after(KEY) is None


def test_throttle_first_block_is_window(clock: FakeClock) -> None:
    throttle = make_throttle(clock)
    fail(throttle, 3)
    assert throttle.retry_after(KEY) == 60


def test_throttle_each_further_failure_doubles(clock: FakeClock) -> None:
    throttle = make_throttle(clock)
    fail(throttle, 3)
    blocks = []
    for _ in range(4):
        wait = throttle.retry_after(KEY)
        assert wait is not None
        clock.advance(seconds=wait)
        assert throttle.retry_after(KEY) is None
        fail(throttle)
        blocks.append(throttle.retry_after(KEY))
    assert blocks == [120, 240, 480, 480]


def test_throttle_block_capped(clock: FakeClock) -> None:
    throttle = make_throttle(clock, max_block_seconds=100)
    fail(throttle, 3)
    clock.advance(seconds=60)
    fail(throttle)
    assert throttle.retry_after(KEY) == 100


def test_throttle_forgets_after_quiet_period(clock: FakeClock) -> None:
    throttle = make_throttle(clock)
    fail(throttle, 3)
    clock.advance(seconds=3600)
    fail(throttle)
    # Forgotten: one failure in a fresh window does not block.
    assert throttle.retry_after(KEY) is None


def test_throttle_remembers_level_before_quiet_period(clock: FakeClock) -> None:
    throttle = make_throttle(clock)
    fail(throttle, 3)
    clock.advance(seconds=3599)
    fail(throttle)
    assert throttle.retry_after(KEY) == 120


def test_throttle_reset_clears_back_off(clock: FakeClock) -> None:
    throttle = make_throttle(clock)
    fail(throttle, 3)
    throttle.reset(KEY[0])
    fail(throttle)
    assert throttle.retry_after(KEY) is None


def test_throttle_keys_independent(clock: FakeClock) -> None:
    throttle = make_throttle(clock)
    fail(throttle, 3)
    assert throttle.retry_after(["account:y"]) is None
    assert throttle.retry_after(["account:y", KEY[0]]) == 60


def test_login_back_off_doubles_retry_after(api_factory: Any) -> None:
    api: Api = api_factory(throttle_max_failures=3, throttle_window_seconds=60, throttle_max_block_seconds=3600)
    api.create_account("plain@example.com")
    for _ in range(3):
        assert api.login("plain@example.com", "wrong").status_code == 401
    assert api.login("plain@example.com").headers["retry-after"] == "60"

    api.clock.advance(seconds=60)
    assert api.login("plain@example.com", "wrong").status_code == 401
    blocked = api.login("plain@example.com")
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "120"
    assert blocked.json()["retry_after"] == 120

    api.clock.advance(seconds=120)
    assert api.login("plain@example.com", "wrong").status_code == 401
    assert api.login("plain@example.com").headers["retry-after"] == "240"


def test_login_correct_password_rejected_while_blocked(api_factory: Any) -> None:
    api: Api = api_factory(throttle_max_failures=2, throttle_window_seconds=60)
    api.create_account("plain@example.com")
    api.login("plain@example.com", "wrong")
    api.login("plain@example.com", "wrong")
    response = api.login("plain@example.com", PASSWORD)
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert "access_token" not in response.json()


def test_unknown_email_throttled_like_account(api_factory: Any) -> None:
    api: Api = api_factory(throttle_max_failures=2, throttle_window_seconds=60)
    api.create_account("plain@example.com")
    known = [api.login("plain@example.com", "wrong") for _ in range(3)]
    # A second server, so the first one's IP count does not decide the result.
    server_b: Api = api_factory(throttle_max_failures=2, throttle_window_seconds=60)
    unknown = [server_b.login("nobody@example.com", "wrong") for _ in range(3)]
    assert [r.status_code for r in known] == [401, 401, 429]
    assert [r.status_code for r in unknown] == [401, 401, 429]
    assert known[2].json() == unknown[2].json()


def test_mfa_back_off_doubles(api_factory: Any) -> None:
    api: Api = api_factory(throttle_max_failures=2, throttle_window_seconds=60)
    secrets = api.create_account("mfa@example.com", enable_2fa=True)
    tokens = [api.login("mfa@example.com").json()["mfa_token"] for _ in range(3)]
    assert api.mfa(tokens[0], "000000").status_code == 401
    assert api.mfa(tokens[0], "000000").status_code == 401
    assert api.mfa(tokens[1], api.totp_code(secrets)).headers["retry-after"] == "60"
    api.clock.advance(seconds=60)
    assert api.mfa(tokens[1], "000000").status_code == 401
    assert api.mfa(tokens[2], api.totp_code(secrets)).headers["retry-after"] == "120"
