"""Labels of the sessions table, worded like the provider's Active Sessions page.

    Device & browser   Chrome v142 - Windows, Safari - macOS, Chrome - Android
    Location & OS      Jalna, IN - Windows, California, US - macOS, 103.x.x.x - Windows
    Last active        Active now, 15 hours ago, 5 days ago
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..i18n import translate

if TYPE_CHECKING:  # The API records load with the client, after the window shows.
    from ..api.models import Device, Location, Session

ACTIVE_NOW_WINDOW = timedelta(minutes=5)

UNKNOWN_DEVICE = "Unknown device"
PRIVATE_NETWORK = "Private network"
UNKNOWN_LOCATION = "Unknown location"

DEVICE_TYPE_NAMES = {
    "desktop": "Computer",
    "mobile": "Phone",
    "tablet": "Tablet",
    "bot": "Bot",
    "unknown": "Unknown device",
}


def os_label(device: Device) -> str | None:
    if not device.os:
        return None
    if device.os_version:
        return f"{device.os} {device.os_version}"
    return device.os


def device_label(device: Device) -> str:
    """Return "Chrome v142 - Windows"; the version is the major one the server reports."""
    browser = device.browser
    if browser and device.browser_version:
        browser = f"{browser} v{device.browser_version}"
    system = os_label(device)
    if browser and system:
        return f"{browser} - {system}"
    if browser:
        return browser
    if system:
        return f"{device_type_label(device.device_type)} - {system}"
    return translate("Labels", UNKNOWN_DEVICE)


def device_type_label(device_type: str) -> str:
    return translate("Labels", DEVICE_TYPE_NAMES.get(device_type, UNKNOWN_DEVICE))


def is_global_address(ip_address: str) -> bool:
    try:
        address = ipaddress.ip_address(ip_address)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global


def mask_ip(ip_address: str) -> str:
    """Return the address with only its network part: 103.x.x.x or 2a02:8070:x:x:…"""
    try:
        address = ipaddress.ip_address(ip_address)
    except ValueError:
        return translate("Labels", UNKNOWN_LOCATION)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return f"{str(address).split('.')[0]}.x.x.x"
    groups = address.exploded.split(":")
    return f"{int(groups[0], 16):x}:{int(groups[1], 16):x}:x:x:…"


def place_label(location: Location, ip_address: str) -> str:
    """Return the place part: "Jalna, IN", the country alone, or a masked address."""
    place = location.city or location.region
    if place and location.country_code:
        return f"{place}, {location.country_code}"
    if place:
        return place
    if location.country or location.country_code:
        return location.country or location.country_code or ""
    if not is_global_address(ip_address):
        return translate("Labels", PRIVATE_NETWORK)
    return mask_ip(ip_address)


def location_label(session: Session) -> str:
    place = place_label(session.location, session.ip_address)
    system = session.device.os
    return f"{place} - {system}" if system else place


def last_active_label(last_active_at: datetime, server_now: datetime) -> str:
    """Return "Active now" within five minutes, else a humanized age.

    `server_now` is the current time on the server's clock, so a server clock a few
    seconds ahead still reads "Active now" and never "in 5 seconds".
    """
    age = server_now - last_active_at
    if age < ACTIVE_NOW_WINDOW:
        return translate("Labels", STATUS_ACTIVE_NOW)
    import humanize  # Imported at first use, so it stays out of the start-up before the window shows.

    return humanize.naturaltime(age)


STATUS_CURRENT = "Current"
STATUS_ACTIVE_NOW = "Active now"
STATUS_ACTIVE = "Active"
STATUS_INACTIVE = "Inactive"
STATUS_UNFAMILIAR = "Unfamiliar"


def status_label(session: Session, server_now: datetime) -> str:
    """Return the badge's status key; `status_text` gives its translated text."""
    if session.current:
        return STATUS_CURRENT
    if session.status == "inactive":
        return STATUS_INACTIVE
    if server_now - session.last_active_at < ACTIVE_NOW_WINDOW:
        return STATUS_ACTIVE_NOW
    return STATUS_ACTIVE


def alert_text(session: Session) -> str:
    """Return "Chrome v142 - Android, California, US": the device and place of a sign-in."""
    return f"{device_label(session.device)}, {place_label(session.location, session.ip_address)}"


def status_text(status: str) -> str:
    return translate("Labels", status)


def auth_methods_label(methods: tuple[str, ...]) -> str:
    names = {"password": "Password", "totp": "Authenticator code", "recovery_code": "Recovery code"}
    return " + ".join(translate("Labels", names.get(method, method)) for method in methods) or translate("Labels", "Unknown")
