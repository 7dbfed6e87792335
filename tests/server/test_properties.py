"""Property tests: User-Agent parsing and IP handling accept any input without raising."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions_server import devices
from sessions_server.devices import Device, describe_device
from sessions_server.geo import GeoLocator, default_geoip_db, is_locatable, parse_ip
from sessions_server.network import client_ip, parse_networks

# Bounded so the whole file runs in a few seconds.
EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Upper bound per describe_device call, after the parser's rules are loaded.
PARSE_LIMIT_SECONDS = 0.05

PROXIES = parse_networks(["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"])

ipv4_text = st.ip_addresses(v=4).map(str)
ipv6_text = st.ip_addresses(v=6).map(str)
ip_like_text = st.one_of(
    ipv4_text,
    ipv6_text,
    st.ip_addresses(v=6).map(lambda a: a.exploded),
    st.ip_addresses(v=4).map(lambda a: f"::ffff:{a}"),
    st.text(alphabet="0123456789abcdef:.%/[] ", max_size=60),
    st.text(max_size=100),
)
latin1_text = st.binary(max_size=2048).map(lambda raw: raw.decode("latin-1"))
user_agents = st.one_of(
    st.text(max_size=2048),
    latin1_text,
    st.builds(
        lambda noise, tail: f"Mozilla/5.0 ({noise}) AppleWebKit/537.36 (KHTML, like Gecko) {tail}",
        st.text(max_size=200),
        st.text(max_size=200),
    ),
    st.just("Mozilla/5.0 (" * 200),
    st.just("(" * 5000),
)
hints = st.dictionaries(
    st.sampled_from(["sec-ch-ua-platform", "sec-ch-ua-platform-version", "sec-ch-ua-model", "sec-ch-ua-mobile"]),
    st.text(max_size=300),
)


@pytest.fixture(scope="module")
def locator() -> Iterator[GeoLocator]:
    geo = GeoLocator(default_geoip_db())
    yield geo
    geo.close()


@pytest.fixture(scope="module", autouse=True)
def warm_parser() -> None:
    devices.warm_up()


@EXAMPLES
@given(user_agent=user_agents, client_hints=hints)
def test_describe_device_any_text(user_agent: str, client_hints: dict[str, str]) -> None:
    started = time.perf_counter()
    device = describe_device(user_agent, client_hints)
    elapsed = time.perf_counter() - started
    assert isinstance(device, Device)
    assert device.device_type in {"desktop", "mobile", "tablet", "bot", "unknown"}
    assert elapsed < PARSE_LIMIT_SECONDS


@EXAMPLES
@given(user_agent=user_agents)
def test_truncated_user_agent_bounded(user_agent: str) -> None:
    assert len(devices.truncate_user_agent(user_agent)) <= devices.USER_AGENT_MAX_CHARS


@EXAMPLES
@given(text=ip_like_text)
def test_parse_ip_any_text(text: str) -> None:
    address = parse_ip(text)
    assert address is None or isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address)
    if address is not None:
        assert isinstance(is_locatable(address), bool)


@EXAMPLES
@given(address=st.ip_addresses())
def test_parse_ip_round_trips_valid_addresses(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    parsed = parse_ip(str(address))
    assert parsed is not None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        assert parsed == address.ipv4_mapped
    else:
        assert parsed == address


@EXAMPLES
@given(text=ip_like_text)
def test_locate_any_text(locator: GeoLocator, text: str) -> None:
    location = locator.locate(text)
    assert location is None or location.country_code is None or len(location.country_code) == 2


@EXAMPLES
@given(peer=st.one_of(st.none(), ip_like_text), forwarded_for=st.lists(st.text(max_size=200), max_size=4))
def test_client_ip_any_headers(peer: str | None, forwarded_for: list[str]) -> None:
    result = client_ip(peer, forwarded_for, PROXIES)
    assert result is None or parse_ip(result) is not None


@EXAMPLES
@given(
    spoofed=st.lists(ip_like_text, max_size=3),
    client=st.ip_addresses(v=4).filter(lambda a: not any(a in net for net in PROXIES)),
)
def test_client_ip_ignores_entries_left_of_client(spoofed: list[str], client: ipaddress.IPv4Address) -> None:
    header = ", ".join([*spoofed, str(client), "10.1.2.3"])
    assert client_ip("127.0.0.1", [header], PROXIES) == str(client)


def test_geoip_file_exists() -> None:
    assert Path(default_geoip_db()).is_file()
