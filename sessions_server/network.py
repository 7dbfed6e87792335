"""Client IP address behind trusted reverse proxies."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence

from .geo import IPAddress, parse_ip

logger = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(cidrs: Iterable[str]) -> list[IPNetwork]:
    """Parse CIDR strings; raise ValueError naming the first invalid one."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError as error:
            raise ValueError(f"invalid CIDR {cidr!r}: {error}") from error
    return networks


def _is_trusted(address: IPAddress, proxies: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_ip(peer: str | None, forwarded_for: Sequence[str], proxies: Sequence[IPNetwork]) -> str | None:
    """Return the client address of a request.

    The socket peer is the client unless it lies inside a trusted proxy
    network. Then X-Forwarded-For is read right to left, skipping trusted
    proxies, and the first untrusted address is the client. An invalid entry
    ends the walk, because nothing left of it can be trusted, and the last
    trusted hop is returned instead.
    """
    peer_address = parse_ip(peer)
    if peer_address is None:
        return None
    if not _is_trusted(peer_address, proxies):
        return str(peer_address)

    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    nearest = peer_address
    for hop in reversed(hops):
        address = parse_ip(hop)
        if address is None:
            logger.debug("invalid X-Forwarded-For entry ignored")
            break
        if not _is_trusted(address, proxies):
            return str(address)
        nearest = address
    return str(nearest)
