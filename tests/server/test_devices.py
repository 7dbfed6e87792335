"""Device description from User-Agent strings and client hints."""

from __future__ import annotations

import time

import pytest
from tests.server.server_support import CHROME_WINDOWS, Api

from sessions_server.devices import USER_AGENT_MAX_CHARS, Device, describe_device, truncate_user_agent

ANDROID_REDUCED = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36"
)
IPHONE_CRIOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/142.0.7444.46 Mobile/15E148 Safari/604.1"
)
MAC_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
IPAD_SAFARI = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
)
LINUX_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
UNKNOWN = Device()

CASES = [
    pytest.param(CHROME_WINDOWS, {}, Device("Chrome", "142", "Windows", None, "desktop", None), id="windows-chrome"),
    pytest.param(ANDROID_REDUCED, {}, Device("Chrome", "130", "Android", None, "mobile", None), id="android-reduced"),
    pytest.param(IPHONE_CRIOS, {}, Device("Chrome", "142", "iOS", "18.1", "mobile", "iPhone"), id="iphone-crios"),
    pytest.param(
        CHROME_WINDOWS + " Edg/142.0.0.0", {}, Device("Edge", "142", "Windows", None, "desktop", None), id="edge"
    ),
    pytest.param(MAC_SAFARI, {}, Device("Safari", "18", "macOS", None, "desktop", "Mac"), id="macos-frozen-version"),
    pytest.param(IPAD_SAFARI, {}, Device("Safari", "17", "iOS", "17.5", "tablet", "iPad"), id="ipad"),
    pytest.param(
        ANDROID_TABLET, {}, Device("Chrome", "130", "Android", "14", "tablet", "SM-X710"), id="android-tablet"
    ),
    pytest.param(LINUX_FIREFOX, {}, Device("Firefox", "133", "Linux", None, "desktop", None), id="linux-firefox"),
    pytest.param(
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        {},
        Device("Firefox", "133", "Android", "14", "mobile", None),
        id="android-firefox-generic-model",
    ),
    pytest.param(GOOGLEBOT, {}, Device("Googlebot", "2", None, None, "bot", None), id="googlebot"),
    pytest.param(
        "SessionGuard/0.1.0 (X11; Linux x86_64)",
        {},
        Device("SessionGuard", "0.1.0", "Linux", None, "desktop", None),
        id="product-token",
    ),
    pytest.param(
        CHROME_WINDOWS,
        {"Sec-CH-UA-Platform-Version": '"13.0.0"'},
        Device("Chrome", "142", "Windows", "11", "desktop", None),
        id="hint-windows-11",
    ),
    pytest.param(
        CHROME_WINDOWS,
        {"Sec-CH-UA-Platform-Version": '"10.0.0"'},
        Device("Chrome", "142", "Windows", "10", "desktop", None),
        id="hint-windows-10",
    ),
    pytest.param(
        ANDROID_REDUCED,
        {"Sec-CH-UA-Platform-Version": '"14.0.0"', "Sec-CH-UA-Model": '"Pixel 8"', "Sec-CH-UA-Mobile": "?1"},
        Device("Chrome", "130", "Android", "14", "mobile", "Pixel 8"),
        id="hint-android",
    ),
    pytest.param(None, {}, UNKNOWN, id="missing"),
    pytest.param("", {}, UNKNOWN, id="empty"),
    pytest.param("x" * 100_000, {}, UNKNOWN, id="100kb-junk"),
]


@pytest.mark.parametrize(("user_agent", "hints", "expected"), CASES)
def test_describe_device(user_agent: str | None, hints: dict[str, str], expected: Device) -> None:
    assert describe_device(user_agent, hints) == expected


def test_junk_user_agent_is_fast() -> None:
    junk = "Mozilla/5.0 (" + "a;" * 50_000
    started = time.perf_counter()
    describe_device(junk)
    assert time.perf_counter() - started < 0.5


def test_user_agent_capped_before_parsing() -> None:
    # The Edge token lies beyond the cap, so only the Chrome part is parsed.
    padded = CHROME_WINDOWS + " " * (USER_AGENT_MAX_CHARS - len(CHROME_WINDOWS)) + " Edg/142.0.0.0"
    assert describe_device(padded).browser == "Chrome"


def test_session_device_from_request(api: Api) -> None:
    api.create_account("ua@example.com")
    body = api.sign_in("ua@example.com", **{"User-Agent": IPHONE_CRIOS})
    assert body["session"]["device"] == {
        "browser": "Chrome",
        "browser_version": "142",
        "os": "iOS",
        "os_version": "18.1",
        "device_type": "mobile",
        "model": "iPhone",
    }


def test_session_user_agent_truncated(api: Api) -> None:
    api.create_account("long-ua@example.com")
    body = api.sign_in("long-ua@example.com", **{"User-Agent": "Mozilla/5.0 " + "x" * 2000})
    assert len(body["session"]["user_agent"]) == USER_AGENT_MAX_CHARS


def test_session_client_hints_from_request(api: Api) -> None:
    api.create_account("hints@example.com")
    body = api.sign_in("hints@example.com", **{"Sec-CH-UA-Platform-Version": '"15.0.0"'})
    assert body["session"]["device"]["os_version"] == "11"


def test_utf8_user_agent_decoded() -> None:
    header_text = "Browser/1.0 (Ünïcødé)".encode("utf-8").decode("latin-1")
    assert truncate_user_agent(header_text) == "Browser/1.0 (Ünïcødé)"


def test_latin1_user_agent_kept() -> None:
    assert truncate_user_agent("Browser/1.0 (caf\xe9)") == "Browser/1.0 (caf\xe9)"


def test_long_utf8_user_agent_capped() -> None:
    header_text = ("é" * 5000).encode("utf-8").decode("latin-1")
    assert truncate_user_agent(header_text) == "é" * USER_AGENT_MAX_CHARS
