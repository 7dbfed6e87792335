"""IP classification and GeoIP lookups against small generated databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from sessions_server.geo import GeoLocator, Location, default_geoip_db
from tests.server.server_support import Api

LONDON = Location("London", "England", "GB", "United Kingdom")
FRANCE = Location(None, None, "FR", "France")
DECOY = {"city": {"names": {"en": "Decoy"}}, "country": {"iso_code": "ZZ", "names": {"en": "Decoy"}}}


def write_test_db(path: Path) -> Path:
    """Write a City database with a city record, a country-only record and decoys in non-global ranges."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-City", languages=["en"])
    writer.insert_network(
        IPSet(["81.2.69.0/24"]),
        {
            "city": {"names": {"en": "London"}},
            "subdivisions": [{"iso_code": "ENG", "names": {"en": "England"}}],
            "country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
        },
    )
    writer.insert_network(IPSet(["2.125.160.0/24"]), {"country": {"iso_code": "FR", "names": {"en": "France"}}})
    # Records for ranges that must never be looked up; finding one would show the check failed.
    writer.insert_network(
        IPSet(["127.0.0.0/8", "10.0.0.0/8", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"]), DECOY
    )
    writer.to_db_file(str(path))
    return path


@pytest.fixture
def locator(tmp_path: Path) -> GeoLocator:
    geo = GeoLocator(write_test_db(tmp_path / "test-city.mmdb"))
    yield geo
    geo.close()


LOOKUPS = [
    pytest.param("81.2.69.160", LONDON, id="city-record"),
    pytest.param("2.125.160.216", FRANCE, id="country-only"),
    pytest.param("1.1.1.1", None, id="no-record"),
    pytest.param("::ffff:81.2.69.160", LONDON, id="ipv4-mapped-ipv6"),
    pytest.param("127.0.0.1", None, id="loopback"),
    pytest.param("::1", None, id="loopback-ipv6"),
    pytest.param("10.1.2.3", None, id="private-10"),
    pytest.param("192.168.1.10", None, id="private-192-168"),
    pytest.param("::ffff:192.168.1.10", None, id="private-ipv4-mapped"),
    pytest.param("169.254.10.20", None, id="link-local"),
    pytest.param("fe80::1", None, id="link-local-ipv6"),
    pytest.param("100.64.1.2", None, id="cgnat"),
    pytest.param("224.0.0.1", None, id="multicast"),
    pytest.param("not-an-ip", None, id="invalid"),
    pytest.param(None, None, id="missing"),
]


@pytest.mark.parametrize(("ip", "expected"), LOOKUPS)
def test_locate(locator: GeoLocator, ip: str | None, expected: Location | None) -> None:
    assert locator.locate(ip) == expected


def test_default_db_is_shipped_file() -> None:
    assert default_geoip_db().is_file()


def test_default_db_resolves_city() -> None:
    geo = GeoLocator(default_geoip_db())
    try:
        location = geo.locate("88.198.0.1")
    finally:
        geo.close()
    assert location == Location("Nuremberg", "Bavaria", "DE", "Germany")


def test_missing_db_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot open GeoIP database"):
        GeoLocator(tmp_path / "missing.mmdb")


def test_session_location_from_forwarded_ip(api_factory, tmp_path: Path) -> None:
    api: Api = api_factory(geoip_db=write_test_db(tmp_path / "city.mmdb"), trusted_proxies=["127.0.0.1/32"])
    api.create_account("geo@example.com")
    body = api.sign_in("geo@example.com", **{"X-Forwarded-For": "81.2.69.160"})
    assert body["session"]["location"] == {
        "city": "London",
        "region": "England",
        "country_code": "GB",
        "country": "United Kingdom",
    }


def test_session_location_unknown_is_all_null(api: Api) -> None:
    api.create_account("local@example.com")
    body = api.sign_in("local@example.com")
    assert body["session"]["location"] == {"city": None, "region": None, "country_code": None, "country": None}
