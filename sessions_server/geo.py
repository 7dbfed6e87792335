"""IP address classification and GeoIP city lookup."""

from __future__ import annotations

import importlib.util
import ipaddress
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import geoip2.database
import geoip2.errors
from maxminddb.errors import InvalidDatabaseError

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Location:
    city: str | None = None
    region: str | None = None
    country_code: str | None = None
    country: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def default_geoip_db() -> Path:
    """Return the GeoLite2 City file shipped by the maxminddb-geolite2 package."""
    spec = importlib.util.find_spec("_maxminddb_geolite2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package maxminddb-geolite2 is not installed; pass a GeoIP database path")
    return Path(next(iter(spec.submodule_search_locations))) / "GeoLite2-City.mmdb"


def parse_ip(text: str | None) -> IPAddress | None:
    """Parse an address, mapping IPv4-mapped IPv6 (::ffff:a.b.c.d) to IPv4; None if invalid."""
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_locatable(address: IPAddress) -> bool:
    """Return True for a global unicast address.

    Loopback, private, link-local, carrier-grade NAT (100.64.0.0/10),
    documentation and other non-global ranges have no location.
    """
    return address.is_global and not address.is_multicast


class GeoLocator:
    """City lookups in one MaxMind DB file, opened once."""

    def __init__(self, db_path: Path) -> None:
        try:
            self._reader = geoip2.database.Reader(str(db_path))
        except (OSError, InvalidDatabaseError, ValueError) as error:
            raise ValueError(f"cannot open GeoIP database {db_path}: {error}") from error
        logger.info("GeoIP database %s opened", db_path)

    def close(self) -> None:
        self._reader.close()

    def locate(self, ip: str | None) -> Location | None:
        """Return the location of `ip`, or None when it is not global or has no record."""
        address = parse_ip(ip)
        if address is None or not is_locatable(address):
            return None
        try:
            record = self._reader.city(str(address))
        except geoip2.errors.AddressNotFoundError:
            return None
        except (InvalidDatabaseError, ValueError, TypeError) as error:
            logger.warning("GeoIP lookup of %s failed: %s", address, error)
            return None
        location = Location(
            city=record.city.name,
            region=record.subdivisions.most_specific.name,
            country_code=record.country.iso_code,
            country=record.country.name,
        )
        return None if location == Location() else location
