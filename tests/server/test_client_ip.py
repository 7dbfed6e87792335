"""Client IP address behind trusted proxies."""

from __future__ import annotations

import pytest

from sessions_server.network import client_ip, parse_networks
from tests.server.server_support import Api

PROXIES = parse_networks(["127.0.0.1/32", "10.0.0.0/8", "::1/128"])

CASES = [
    pytest.param("203.0.113.9", ["198.51.100.1"], "203.0.113.9", id="untrusted-peer-header-ignored"),
    pytest.param("127.0.0.1", [], "127.0.0.1", id="trusted-peer-no-header"),
    pytest.param("127.0.0.1", ["198.51.100.1"], "198.51.100.1", id="trusted-peer-one-hop"),
    pytest.param("127.0.0.1", ["1.1.1.1, 198.51.100.1"], "198.51.100.1", id="rightmost-untrusted-wins"),
    pytest.param("127.0.0.1", ["198.51.100.1, 10.0.0.5"], "198.51.100.1", id="trusted-hops-skipped"),
    pytest.param("127.0.0.1", ["1.1.1.1", "198.51.100.1, 10.0.0.5"], "198.51.100.1", id="repeated-headers"),
    pytest.param("127.0.0.1", ["10.0.0.7, 10.0.0.5"], "10.0.0.7", id="all-trusted-leftmost"),
    pytest.param("127.0.0.1", ["198.51.100.1, garbage, 10.0.0.5"], "10.0.0.5", id="invalid-entry-stops"),
    pytest.param("127.0.0.1", ["unknown"], "127.0.0.1", id="only-invalid-entry"),
    pytest.param("::1", ["2001:db8::7"], "2001:db8::7", id="ipv6-proxy"),
    pytest.param("::ffff:127.0.0.1", ["198.51.100.1"], "198.51.100.1", id="ipv4-mapped-peer"),
    pytest.param(None, ["198.51.100.1"], None, id="no-peer"),
]


@pytest.mark.parametrize(("peer", "forwarded_for", "expected"), CASES)
def test_client_ip(peer: str | None, forwarded_for: list[str], expected: str | None) -> None:
    assert client_ip(peer, forwarded_for, PROXIES) == expected


def test_invalid_cidr_rejected() -> None:
    with pytest.raises(ValueError, match="invalid CIDR '10.0.0.0/33'"):
        parse_networks(["10.0.0.0/33"])


def test_forwarded_for_ignored_from_untrusted_peer(api: Api) -> None:
    api.create_account("direct@example.com")
    body = api.sign_in("direct@example.com", **{"X-Forwarded-For": "88.198.0.1"})
    assert body["session"]["ip_address"] == "127.0.0.1"


def test_forwarded_for_honoured_from_trusted_peer(api_factory) -> None:
    api: Api = api_factory(trusted_proxies=["127.0.0.1/32", "10.0.0.0/8"])
    api.create_account("proxied@example.com")
    body = api.sign_in("proxied@example.com", **{"X-Forwarded-For": "1.2.3.4, 88.198.0.1, 10.0.0.2"})
    assert body["session"]["ip_address"] == "88.198.0.1"


def test_spoofed_first_entry_through_one_proxy(api_factory) -> None:
    api: Api = api_factory(trusted_proxies=["127.0.0.1/32"])
    api.create_account("proxied@example.com")
    # The proxy appends the address it saw; the client wrote the first entry itself.
    body = api.sign_in("proxied@example.com", **{"X-Forwarded-For": "6.6.6.6, 88.198.0.1"})
    assert body["session"]["ip_address"] == "88.198.0.1"


def test_spoofed_first_entry_through_two_proxies(api_factory) -> None:
    api: Api = api_factory(trusted_proxies=["127.0.0.1/32", "10.0.0.0/8"])
    api.create_account("proxied@example.com")
    body = api.sign_in("proxied@example.com", **{"X-Forwarded-For": "6.6.6.6, 88.198.0.1, 10.1.2.3"})
    assert body["session"]["ip_address"] == "88.198.0.1"
    token = body["access_token"]
    assert api.get("/sessions", token).json()["sessions"][0]["ip_address"] == "88.198.0.1"


def test_spoofed_trusted_address_not_skipped_past_client(api_factory) -> None:
    api: Api = api_factory(trusted_proxies=["127.0.0.1/32", "10.0.0.0/8"])
    api.create_account("proxied@example.com")
    # A client claiming to be a trusted proxy only adds entries left of its real address.
    body = api.sign_in("proxied@example.com", **{"X-Forwarded-For": "10.9.9.9, 88.198.0.1, 10.1.2.3"})
    assert body["session"]["ip_address"] == "88.198.0.1"


def test_spoofed_header_throttles_real_client(api_factory) -> None:
    api: Api = api_factory(trusted_proxies=["127.0.0.1/32"], throttle_max_failures=2, throttle_window_seconds=60)
    api.create_account("proxied@example.com")
    for spoofed in ("6.6.6.1", "6.6.6.2"):
        api.login(f"nobody-{spoofed}@example.com", "wrong", **{"X-Forwarded-For": f"{spoofed}, 88.198.0.1"})
    # Varying the spoofed entry does not escape the per-IP count of the real client.
    response = api.login("proxied@example.com", **{"X-Forwarded-For": "6.6.6.3, 88.198.0.1"})
    assert response.status_code == 429
