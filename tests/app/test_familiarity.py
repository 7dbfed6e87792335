"""Familiarity rules and the known-devices store."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

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


# Pending alerts: alerts the user has not trusted or dismissed, kept across restarts.

ALERTED_AT = datetime(2026, 12, 4, 21, 30, tzinfo=timezone.utc)
STRANGER = build_session("stranger", device=replace(WINDOWS_CHROME, browser="Firefox"))
OLD_FORMAT_STORE = {
    "version": 1,
    "baseline_done": True,
    "devices": [["chrome", "windows", "desktop"]],
    "locations": [["IN", "mumbai"]],
    "judged_sessions": ["base"],
}


def _watcher(path) -> familiarity.FamiliarityWatcher:
    return familiarity.FamiliarityWatcher(path, clock=lambda: ALERTED_AT)


def _watcher_with_alert(path) -> familiarity.FamiliarityWatcher:
    """Return a watcher whose store contains a baseline and one pending alert for STRANGER."""
    watcher = _watcher(path)
    watcher.check([_base_session()])
    assert watcher.check([_base_session(), STRANGER]) == [STRANGER]
    return watcher


def _stored_pending(path) -> list:
    return json.loads(path.read_text())["pending_alerts"]


def test_alert_is_saved_as_pending(tmp_path):
    path = tmp_path / "known.json"
    _watcher_with_alert(path)
    assert _stored_pending(path) == [{"session_id": "stranger", "alerted_at": "2026-12-04T21:30:00+00:00"}]


def test_pending_alert_restored_by_next_run(tmp_path):
    path = tmp_path / "known.json"
    _watcher_with_alert(path)
    restarted = _watcher(path)
    restarted.check([_base_session(), STRANGER])
    assert restarted.take_restored() == [(STRANGER, ALERTED_AT)]


def test_restored_alerts_taken_once(tmp_path):
    path = tmp_path / "known.json"
    _watcher_with_alert(path)
    restarted = _watcher(path)
    restarted.check([_base_session(), STRANGER])
    restarted.take_restored()
    assert restarted.take_restored() == []


def test_restored_alerts_empty_before_check(tmp_path):
    path = tmp_path / "known.json"
    _watcher_with_alert(path)
    assert _watcher(path).take_restored() == []


def test_new_alert_is_not_restored(tmp_path):
    path = tmp_path / "known.json"
    _watcher_with_alert(path)
    restarted = _watcher(path)
    newcomer = build_session("newcomer", device=replace(WINDOWS_CHROME, os="Linux"))
    restarted.check([_base_session(), STRANGER, newcomer])
    assert [session.id for session, _ in restarted.take_restored()] == ["stranger"]


def test_repeated_check_keeps_alert_time(tmp_path):
    path = tmp_path / "known.json"
    watcher = _watcher_with_alert(path)
    watcher._clock = lambda: ALERTED_AT + timedelta(hours=1)
    watcher.check([_base_session(), STRANGER])
    assert watcher.known.pending_alerts == {"stranger": ALERTED_AT}


def test_dismissed_alert_leaves_store(tmp_path):
    path = tmp_path / "known.json"
    watcher = _watcher_with_alert(path)
    watcher.acknowledge("stranger")
    assert _stored_pending(path) == []


def test_trusted_alert_leaves_store(tmp_path):
    path = tmp_path / "known.json"
    watcher = _watcher_with_alert(path)
    watcher.trust(STRANGER)
    assert _stored_pending(path) == []


def test_dismissed_alert_not_restored(tmp_path):
    path = tmp_path / "known.json"
    _watcher_with_alert(path).acknowledge("stranger")
    restarted = _watcher(path)
    restarted.check([_base_session(), STRANGER])
    assert restarted.take_restored() == []


def test_ended_session_leaves_pending(tmp_path):
    path = tmp_path / "known.json"
    watcher = _watcher_with_alert(path)
    watcher.check([_base_session()])
    assert _stored_pending(path) == []


def test_ended_session_not_restored(tmp_path):
    path = tmp_path / "known.json"
    _watcher_with_alert(path)
    restarted = _watcher(path)
    restarted.check([_base_session()])
    assert restarted.take_restored() == []


def test_baseline_has_no_pending(tmp_path):
    path = tmp_path / "known.json"
    watcher = _watcher(path)
    watcher.check([_base_session(), STRANGER])
    assert _stored_pending(path) == []


def test_store_round_trip_with_pending(tmp_path):
    path = tmp_path / "known.json"
    known = _baseline(_base_session())
    known.add_pending(["stranger"], ALERTED_AT)
    familiarity.save(path, known)
    assert familiarity.load(path).pending_alerts == {"stranger": ALERTED_AT}


def test_old_format_store_loads(tmp_path):
    path = tmp_path / "known.json"
    path.write_text(json.dumps(OLD_FORMAT_STORE))
    known = familiarity.load(path)
    assert known.devices == {("chrome", "windows", "desktop")}
    assert known.pending_alerts == {}
    assert [p.name for p in tmp_path.iterdir()] == ["known.json"]


GARBAGE_PENDING = {
    "a string": "stranger",
    "a dict": {"stranger": "2026-12-04T21:30:00+00:00"},
    "an item that is not an object": ["stranger"],
    "an item without a time": [{"session_id": "stranger"}],
    "an invalid time": [{"session_id": "stranger", "alerted_at": "yesterday"}],
    "a time without a zone": [{"session_id": "stranger", "alerted_at": "2026-12-04T21:30:00"}],
    "a number as session id": [{"session_id": 7, "alerted_at": "2026-12-04T21:30:00+00:00"}],
    "an empty session id": [{"session_id": "", "alerted_at": "2026-12-04T21:30:00+00:00"}],
}


@pytest.mark.parametrize("pending", GARBAGE_PENDING.values(), ids=GARBAGE_PENDING.keys())
def test_garbage_pending_loads_empty(tmp_path, pending):
    path = tmp_path / "known.json"
    path.write_text(json.dumps({**OLD_FORMAT_STORE, "pending_alerts": pending}))
    known = familiarity.load(path)
    assert known.pending_alerts == {}
    assert known.devices == {("chrome", "windows", "desktop")}


def test_garbage_pending_is_logged(tmp_path, caplog):
    path = tmp_path / "known.json"
    path.write_text(json.dumps({**OLD_FORMAT_STORE, "pending_alerts": "stranger"}))
    familiarity.load(path)
    assert "pending alerts" in caplog.text


def test_garbage_pending_keeps_file(tmp_path):
    path = tmp_path / "known.json"
    path.write_text(json.dumps({**OLD_FORMAT_STORE, "pending_alerts": "stranger"}))
    familiarity.load(path)
    assert [p.name for p in tmp_path.iterdir()] == ["known.json"]


def test_garbage_pending_rewritten_on_check(tmp_path):
    path = tmp_path / "known.json"
    path.write_text(json.dumps({**OLD_FORMAT_STORE, "pending_alerts": "stranger"}))
    _watcher(path).check([_base_session()])
    assert _stored_pending(path) == []


def test_garbage_pending_keeps_monitoring(tmp_path):
    path = tmp_path / "known.json"
    path.write_text(json.dumps({**OLD_FORMAT_STORE, "pending_alerts": "stranger"}))
    assert _watcher(path).check([_base_session(), STRANGER]) == [STRANGER]
