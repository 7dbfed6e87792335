"""Familiarity of sessions: the device and location keys and the known-devices store.

The device key is the browser family, the OS family and the device type, with no
versions. The location key is the country and city, or the country alone. A session
is unfamiliar when either key is new for this account on this computer. The first sync after sign-in records a
silent baseline. The app's own session never alerts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
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
    baseline_done: bool = False
    # True when a damaged file was moved aside, so the next baseline is not a first sign-in.
    recovered: bool = field(default=False, compare=False)

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
        # Forget ended sessions so the file stays small.
        self.judged_sessions &= {session.id for session in sessions}
        return alerts

    def to_json(self) -> dict:
        return {
            "version": STORE_VERSION,
            "baseline_done": self.baseline_done,
            "devices": sorted(list(key) for key in self.devices),
            "locations": sorted(list(key) for key in self.locations),
            "judged_sessions": sorted(self.judged_sessions),
        }

    @classmethod
    def from_json(cls, data: object) -> KnownDevices:
        if not isinstance(data, dict) or data.get("version") != STORE_VERSION:
            raise ValueError("not a known-devices file of version 1")
        return cls(
            devices={_key(item, 3) for item in data["devices"]},
            locations={_key(item, 2) for item in data["locations"]},
            judged_sessions={str(item) for item in data["judged_sessions"]},
            baseline_done=bool(data["baseline_done"]),
        )


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
        return KnownDevices.from_json(json.loads(data.decode("utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("%s is corrupt (%s); moved aside, starting a new known-devices list", path, exc)
        _move_aside(path)
        return KnownDevices(recovered=True)


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

    def __init__(self, path: Path) -> None:
        self.path = path
        self._known: KnownDevices | None = None

    @property
    def known(self) -> KnownDevices:
        if self._known is None:
            self._known = load(self.path)
        return self._known

    def check(self, sessions: Iterable[Session]) -> list[Session]:
        """Return the unfamiliar sessions among `sessions` and save what was learnt."""
        before = self.known.to_json()
        alerts = self.known.unfamiliar(sessions)
        if self.known.to_json() != before:
            self._save()
        return alerts

    def take_reset_notice(self) -> bool:
        """Return True once after a damaged store was replaced by a new baseline."""
        known = self.known
        if known.recovered and known.baseline_done:
            known.recovered = False
            return True
        return False

    def trust(self, session: Session) -> None:
        self.known.learn(session)
        self._save()

    def _save(self) -> None:
        try:
            save(self.path, self.known)
        except OSError as exc:
            log.warning("Cannot save the known devices to %s: %s", self.path, exc)
