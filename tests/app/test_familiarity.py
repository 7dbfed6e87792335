"""Familiarity rules and the known-devices store."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from desktop_app.api.models import Device, Location
from desktop_app.core import familiarity
from desktop_app.core.familiarity import KnownDevices

from .conftest import build_session

WINDOWS_CHROME = Device(browser="Chrome", browser_version="141", os="Windows", device_type="desktop")
MUMBAI = Location(city="Mumbai", region="Maharashtra", country_code="IN", country="India")
IPAD_SAFARI = Device(browser="Safari", browser_version="18", os="iOS", device_type="tablet")
MAC_SAFARI = Device(browser="Safari", browser_version="18", os="macOS", device_type="desktop")


def _baseline(*sessions) -> KnownDevices:
    known = KnownDevices()
    assert known.unfamiliar(sessions) == []
    return known


def _base_session():
    return build_session("base", device=WINDOWS_CHROME, location=MUMBAI)


# Each case: the session that arrives after a baseline of one Windows Chrome in Mumbai.
MUST_NOT_ALERT = {
    "browser upgrade": {"device": replace(WINDOWS_CHROME, browser_version="142")},
    "os version upgrade": {"device": replace(WINDOWS_CHROME, os_version="11")},
    "same place": {},
    "country-only record in a known country": {"location": Location(country_code="IN", country="India")},
    "unknown location on a known device": {"location": Location(), "ip_address": "103.99.1.2"},
}

MUST_ALERT = {
    "new browser family": {"device": replace(WINDOWS_CHROME, browser="Firefox")},
    "new os": {"device": replace(WINDOWS_CHROME, os="Linux")},
    "new device type": {"device": replace(WINDOWS_CHROME, device_type="tablet")},
    "new country": {"location": Location(city="Berlin", country_code="DE", country="Germany")},
    "new city in a known country": {"location": Location(city="Jalna", country_code="IN", country="India")},
    "unknown location on a new device": {"device": Device(browser="Chrome", os="Android", device_type="mobile"), "location": Location()},
}


@pytest.mark.parametrize("changes", MUST_NOT_ALERT.values(), ids=MUST_NOT_ALERT.keys())
def test_familiar_session_does_not_alert(changes):
    known = _baseline(_base_session())
    assert known.unfamiliar([_base_session(), build_session("new", **changes)]) == []


@pytest.mark.parametrize("changes", MUST_ALERT.values(), ids=MUST_ALERT.keys())
def test_unfamiliar_session_alerts(changes):
    known = _baseline(_base_session())
    alerts = known.unfamiliar([_base_session(), build_session("new", **changes)])
    assert [session.id for session in alerts] == ["new"]


def test_same_session_alerts_once():
    known = _baseline(_base_session())
    stranger = build_session("new", device=replace(WINDOWS_CHROME, browser="Firefox"))
    known.unfamiliar([stranger])
    assert known.unfamiliar([stranger]) == []


def test_ipad_switching_user_agent_does_not_alert():
    known = _baseline(build_session("ipad", device=IPAD_SAFARI, location=MUMBAI))
    assert known.unfamiliar([build_session("ipad-desktop-mode", device=MAC_SAFARI, location=MUMBAI)]) == []


def test_baseline_sessions_never_alert():
    stranger = build_session("stranger", device=Device(browser="Opera", os="Linux", device_type="desktop"))
    known = _baseline(_base_session(), stranger)
    assert known.unfamiliar([_base_session(), stranger]) == []


def test_own_session_never_alerts():
    known = _baseline(_base_session())
    own = build_session("own", current=True, status="current", device=Device(browser="SessionGuard", os="Linux"))
    assert known.unfamiliar([own]) == []


def test_trusting_a_device_silences_it():
    known = _baseline(_base_session())
    first = build_session("a", device=replace(WINDOWS_CHROME, browser="Firefox"))
    known.unfamiliar([first])
    known.learn(first)
    assert known.unfamiliar([build_session("b", device=replace(WINDOWS_CHROME, browser="Firefox"))]) == []


def test_store_round_trip(tmp_path):
    path = tmp_path / "known.json"
    known = _baseline(_base_session())
    familiarity.save(path, known)
    assert familiarity.load(path) == known


def test_save_replaces_file_atomically(tmp_path):
    path = tmp_path / "known.json"
    familiarity.save(path, KnownDevices())
    familiarity.save(path, _baseline(_base_session()))
    assert [p.name for p in tmp_path.iterdir()] == ["known.json"]


def test_failed_save_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "known.json"
    familiarity.save(path, KnownDevices())
    before = path.read_text()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(familiarity.os, "fsync", fail)
    with pytest.raises(OSError):
        familiarity.save(path, _baseline(_base_session()))
    assert path.read_text() == before


def test_failed_save_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "known.json"
    monkeypatch.setattr(familiarity.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        familiarity.save(path, KnownDevices())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", json.dumps({"version": 99}), json.dumps({"version": 1, "devices": [["a"]], "locations": [], "judged_sessions": [], "baseline_done": True})],
)
def test_corrupt_store_is_moved_aside(tmp_path, content):
    path = tmp_path / "known.json"
    path.write_text(content)
    assert familiarity.load(path) == KnownDevices()
    assert [p.name.startswith("known.json.corrupt-") for p in tmp_path.iterdir()] == [True]


def test_missing_store_is_empty(tmp_path):
    assert familiarity.load(tmp_path / "absent.json") == KnownDevices()


def test_store_path_differs_per_account(tmp_path):
    first = familiarity.store_path(tmp_path, "https://a.example", "x@example.com")
    assert first != familiarity.store_path(tmp_path, "https://a.example", "y@example.com")
