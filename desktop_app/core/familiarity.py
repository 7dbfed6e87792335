"""Familiarity of sessions: the device and location keys and the known-devices store.

The device key is the browser family, the OS family and the device type, with no
versions. The location key is the country and city, or the country alone. A session
is unfamiliar when either key is new for this account on this computer. The first sync after sign-in records a
silent baseline. The app's own session never alerts.

The store also keeps the alerts the user has not trusted or dismissed yet, so a quit,
crash or restart before that does not turn an unfamiliar session into a known one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..api.models import Session

log = logging.getLogger(__name__)

STORE_VERSION = 1

DeviceKey = tuple[str, str, str]
LocationKey = tuple[str, str]  # (country code, city); the city is "" when unknown


def device_key(session: Session) -> DeviceKey:
    device = session.device
    browser = (device.browser or "").casefold()
    system = (device.os or "").casefold()
    device_type = device.device_type or "unknown"
    # iPadOS sends a Mac User-Agent in desktop mode and an iPad one otherwise, so
    # Safari on an iPad and Safari on a Mac share one key.
    # NOTE: so a first Mac with Safari does not alert where an iPad with Safari is known.
    if browser == "safari" and (system, device_type) in {("ios", "tablet"), ("macos", "desktop")}:
        system, device_type = "macos|ipados", "desktop|tablet"
    return (browser, system, device_type)


def location_key(session: Session) -> LocationKey | None:
    country = (session.location.country_code or "").upper()
    if not country:
        return None
    return (country, (session.location.city or "").casefold())


@dataclass
class KnownDevices:
    """The keys seen for one account on one server, and the sessions already judged."""

    devices: set[DeviceKey] = field(default_factory=set)
    locations: set[LocationKey] = field(default_factory=set)
    judged_sessions: set[str] = field(default_factory=set)
    # Unacknowledged alerts: session id -> when the alert was raised (UTC).
    pending_alerts: dict[str, datetime] = field(default_factory=dict)
    baseline_done: bool = False
    # True when a damaged file was moved aside, so the next baseline is not a first sign-in.
    recovered: bool = field(default=False, compare=False)
    # Why the file's pending alerts could not be read ("" when they could). The next check rewrites them.
    pending_error: str = field(default="", compare=False)

    def knows_location(self, key: LocationKey | None) -> bool:
        if key is None:
            return True
        country, city = key
        if city:
            return key in self.locations
        return any(known_country == country for known_country, _ in self.locations)

    def learn(self, session: Session) -> None:
        self.devices.add(device_key(session))
        location = location_key(session)
        if location is not None:
            self.locations.add(location)

    def unfamiliar(self, sessions: Iterable[Session]) -> list[Session]:
        """Return the sessions to alert on, and mark every listed session as judged.

        The first call after sign-in learns every session and returns none.
        """
        sessions = list(sessions)
        if not self.baseline_done:
            for session in sessions:
                self.learn(session)
                self.judged_sessions.add(session.id)
            self.baseline_done = True
            return []

        alerts = []
        for session in sessions:
            if session.id in self.judged_sessions:
                continue
            self.judged_sessions.add(session.id)
            if session.current:
                self.learn(session)
                continue
            if device_key(session) not in self.devices or not self.knows_location(location_key(session)):
                alerts.append(session)
        # Forget ended sessions so the file stays small, and drop their alerts.
        listed = {session.id for session in sessions}
        self.judged_sessions &= listed
        self.pending_alerts = {session_id: when for session_id, when in self.pending_alerts.items() if session_id in listed}
        return alerts

    def add_pending(self, session_ids: Iterable[str], alerted_at: datetime) -> None:
        for session_id in session_ids:
            self.pending_alerts.setdefault(session_id, alerted_at)

    def acknowledge(self, session_id: str) -> bool:
        """Drop the pending alert of `session_id`, and return False when it had none."""
        return self.pending_alerts.pop(session_id, None) is not None

    def to_json(self) -> dict:
        return {
            "version": STORE_VERSION,
            "baseline_done": self.baseline_done,
            "devices": sorted(list(key) for key in self.devices),
            "locations": sorted(list(key) for key in self.locations),
            "judged_sessions": sorted(self.judged_sessions),
            "pending_alerts": [
                {"session_id": session_id, "alerted_at": when.isoformat()}
                for session_id, when in sorted(self.pending_alerts.items())
            ],
        }

    @classmethod
    def from_json(cls, data: object) -> KnownDevices:
        """Build the store from parsed JSON. Raise ValueError, KeyError or TypeError on a damaged file.

        A file without "pending_alerts" (written before the field existed) has none.
        A damaged "pending_alerts" is read as empty and its error kept in `pending_error`,
        because the rest of the file is still valid and monitoring must go on.
        """
        if not isinstance(data, dict) or data.get("version") != STORE_VERSION:
            raise ValueError("not a known-devices file of version 1")
        known = cls(
            devices={_key(item, 3) for item in data["devices"]},
            locations={_key(item, 2) for item in data["locations"]},
            judged_sessions={str(item) for item in data["judged_sessions"]},
            baseline_done=bool(data["baseline_done"]),
        )
        try:
            known.pending_alerts = _pending_alerts(data.get("pending_alerts", []))
        except (ValueError, KeyError, TypeError) as exc:
            known.pending_error = f"{type(exc).__name__}: {exc}"
        return known


def _pending_alerts(items: object) -> dict[str, datetime]:
    if not isinstance(items, list):
        raise TypeError(f"expected a list, got {type(items).__name__}")
    pending = {}
    for item in items:
        session_id = item["session_id"]
        alerted_at = datetime.fromisoformat(item["alerted_at"])
        if not isinstance(session_id, str) or not session_id:
            raise ValueError(f"invalid session id {session_id!r}")
        if alerted_at.tzinfo is None:
            raise ValueError(f"alert time without a time zone: {item['alerted_at']!r}")
        pending[session_id] = alerted_at
    return pending


def _key(item: object, length: int) -> tuple:
    if not isinstance(item, list) or len(item) != length or not all(isinstance(part, str) for part in item):
        raise ValueError(f"invalid key {item!r}")
    return tuple(item)


def store_path(folder: Path, server_url: str, email: str) -> Path:
    digest = hashlib.sha256(f"{server_url}\n{email.casefold()}".encode()).hexdigest()[:24]
    return folder / "known-devices" / f"{digest}.json"


def load(path: Path) -> KnownDevices:
    """Read the store; a missing file gives an empty one, a corrupt one is moved aside."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return KnownDevices()
    except OSError as exc:
        log.warning("Cannot read %s (%s); starting a new known-devices list", path, exc)
        _move_aside(path)
        return KnownDevices(recovered=True)
    try:
        # UnicodeDecodeError and JSONDecodeError are both ValueErrors.
        known = KnownDevices.from_json(json.loads(data.decode("utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("%s is corrupt (%s); moved aside, starting a new known-devices list", path, exc)
        _move_aside(path)
        return KnownDevices(recovered=True)
    if known.pending_error:
        log.warning(
            "Ignoring the invalid pending alerts in %s (%s). Sessions alerted before this start are not marked again.",
            path,
            known.pending_error,
        )
    return known


def save(path: Path, known: KnownDevices) -> None:
    """Write the store atomically: a crash leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(known.to_json(), handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _move_aside(path: Path) -> None:
    target = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
    try:
        path.replace(target)
    except OSError as exc:
        log.warning("Cannot move %s aside: %s", path, exc)


class FamiliarityWatcher:
    """The known-devices store of one account, loaded and saved on the caller's thread.

    The app calls it only from its worker thread, so the file is never read or
    written on the GUI thread.
    """

    def __init__(self, path: Path, clock: Callable[[], datetime] | None = None) -> None:
        self.path = path
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._known: KnownDevices | None = None
        self._restored: list[tuple[Session, datetime]] | None = None

    @property
    def known(self) -> KnownDevices:
        if self._known is None:
            self._known = load(self.path)
        return self._known

    def check(self, sessions: Iterable[Session]) -> list[Session]:
        """Return the unfamiliar sessions among `sessions`, record them as pending and save what changed.

        Pending alerts of sessions that `sessions` no longer lists are dropped.
        """
        sessions = list(sessions)
        known = self.known
        before = known.to_json()
        alerts = known.unfamiliar(sessions)
        if self._restored is None:
            # The first check of this watcher: what is pending now was left by an earlier run.
            self._restored = [(session, known.pending_alerts[session.id]) for session in sessions if session.id in known.pending_alerts]
        known.add_pending((session.id for session in alerts), self._clock())
        if known.to_json() != before or known.pending_error:
            known.pending_error = ""
            self._save()
        return alerts

    def take_restored(self) -> list[tuple[Session, datetime]]:
        """Return, once, the listed sessions whose alerts an earlier run left pending, with each alert's time.

        The first successful `check()` takes the list. Before that check, and after the
        first call, this returns an empty list.
        """
        if self._restored is None:
            return []
        restored, self._restored = self._restored, []
        return restored

    def acknowledge(self, session_id: str) -> None:
        """Drop the pending alert of `session_id` (trusted or dismissed) and save."""
        if self.known.acknowledge(session_id):
            self._save()

    def take_reset_notice(self) -> bool:
        """Return True once after a damaged store was replaced by a new baseline."""
        known = self.known
        if known.recovered and known.baseline_done:
            known.recovered = False
            return True
        return False

    def trust(self, session: Session) -> None:
        self.known.learn(session)
        self.known.acknowledge(session.id)
        self._save()

    def _save(self) -> None:
        try:
            save(self.path, self.known)
        except OSError as exc:
            log.warning("Cannot save the known devices to %s: %s", self.path, exc)
