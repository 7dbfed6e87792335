"""Labels of the sessions table, as the provider's Active Sessions page words them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop_app.api.models import Device, Location
from desktop_app.core import labels

from .conftest import NOW, build_session


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        (Device(browser="Chrome", browser_version="142", os="Windows", device_type="desktop"), "Chrome v142 - Windows"),
        (Device(browser="Safari", os="macOS", device_type="desktop"), "Safari - macOS"),
        (Device(browser="Chrome", os="Android", device_type="mobile"), "Chrome - Android"),
        (Device(browser="Chrome", os="iOS", device_type="mobile"), "Chrome - iOS"),
        (Device(browser="Edge", browser_version="142", os="Windows", os_version="11"), "Edge v142 - Windows 11"),
        (Device(browser="SessionGuard", browser_version="0.1.0", os="Linux"), "SessionGuard v0.1.0 - Linux"),
        (Device(os="Linux", device_type="desktop"), "Computer - Linux"),
        (Device(browser="curl", browser_version="8"), "curl v8"),
        (Device(), "Unknown device"),
    ],
)
def test_device_label(device, expected):
    assert labels.device_label(device) == expected


@pytest.mark.parametrize(
    ("location", "ip", "os", "expected"),
    [
        (Location(city="Jalna", region="Maharashtra", country_code="IN", country="India"), "49.36.0.1", "Windows", "Jalna, IN - Windows"),
        (Location(region="California", country_code="US", country="United States"), "17.0.0.1", "macOS", "California, US - macOS"),
        (Location(country_code="DE", country="Germany"), "2a02:8070::1", "Linux", "Germany - Linux"),
        (Location(), "103.99.1.2", "Windows", "103.x.x.x - Windows"),
        (Location(), "2a02:8070::1", "Windows", "2a02:8070:x:x:… - Windows"),
        (Location(), "::ffff:103.99.1.2", "Windows", "103.x.x.x - Windows"),
        (Location(), "192.168.1.20", "Windows", "Private network - Windows"),
        (Location(), "127.0.0.1", "Linux", "Private network - Linux"),
        (Location(), "100.64.3.4", None, "Private network"),
        (Location(), "", None, "Private network"),
    ],
)
def test_location_label(location, ip, os, expected):
    session = build_session(location=location, ip_address=ip, device=Device(os=os))
    assert labels.location_label(session) == expected


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(seconds=0), "Active now"),
        (timedelta(minutes=4, seconds=59), "Active now"),
        (timedelta(seconds=-5), "Active now"),
        (timedelta(minutes=7), "7 minutes ago"),
        (timedelta(hours=15, minutes=10), "15 hours ago"),
        (timedelta(days=5, hours=1), "5 days ago"),
    ],
)
def test_last_active_label(age, expected):
    assert labels.last_active_label(NOW - age, NOW) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"current": True, "status": "current"}, "Current"),
        ({"status": "active", "last_active_at": NOW - timedelta(minutes=1)}, "Active now"),
        ({"status": "active", "last_active_at": NOW - timedelta(hours=3)}, "Active"),
        ({"status": "inactive", "last_active_at": NOW - timedelta(days=12)}, "Inactive"),
    ],
)
def test_status_label(changes, expected):
    assert labels.status_label(build_session(**changes), NOW) == expected
