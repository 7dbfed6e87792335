"""Measure the GUI-thread cost of applying one poll to the sessions table.

In a poll of N sessions, 1% of N differ from the rows already shown: a third
changed, a third removed and a third added. The poll goes through
`SessionsModel.apply` on the model of a shown `MainWindow`, so the `SessionsProxy`
sorts by Last active the way the app does. The baseline is a full model reset (one beginResetModel/endResetModel)
with the same data, measured in the same process and interleaved with the apply runs.

Run: QT_QPA_PLATFORM=offscreen /tmp/venv/bin/python bench/apply_poll.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop_app.api.models import Device, Location, Session, SessionList  # noqa: E402
from desktop_app.ui.main_window import MainWindow  # noqa: E402
from desktop_app.ui.sessions_model import SessionsModel  # noqa: E402

NOW = datetime.now(timezone.utc)

BROWSERS = ("Chrome", "Firefox", "Safari", "Edge", "Opera")
SYSTEMS = ("Windows", "macOS", "Linux", "Android", "iOS")
PLACES = (
    ("49.36.0.1", Location("Mumbai", "Maharashtra", "IN", "India")),
    ("81.2.69.160", Location("London", "England", "GB", "United Kingdom")),
    ("200.160.2.3", Location("São Paulo", "São Paulo", "BR", "Brazil")),
    ("151.101.1.1", Location("San Francisco", "California", "US", "United States")),
)


def make_session(number: int) -> Session:
    """Build session number `number`. The spread of last-active times gives the sort real work."""
    ip_address, location = PLACES[number % len(PLACES)]
    return Session(
        id=f"s{number:06d}",
        current=number == 0,
        status="current" if number == 0 else "active",
        created_at=NOW - timedelta(days=10),
        last_active_at=NOW - timedelta(minutes=(number * 7919) % 100_000),
        ip_address=ip_address,
        location=location,
        device=Device(
            browser=BROWSERS[number % len(BROWSERS)],
            browser_version=str(100 + number % 40),
            os=SYSTEMS[(number // len(BROWSERS)) % len(SYSTEMS)],
            device_type="desktop",
        ),
        user_agent=f"Mozilla/5.0 bench/{number}",
        auth_methods=("password",),
    )


def make_polls(size: int) -> tuple[SessionList, SessionList, dict[str, int]]:
    """Return the previous poll, the next poll with 1% of `size` differing, and the counts."""
    previous = [make_session(number) for number in range(size)]
    differing = max(3, size // 100)
    removed = differing // 3
    added = differing // 3
    changed = differing - removed - added

    # Spread the differing rows over the list instead of bunching them at one end,
    # and never touch row 0 (the app's own session).
    stride = size // (changed + removed + 1)
    changed_numbers = {stride * (index + 1) for index in range(changed)}
    removed_numbers = {stride * (changed + index + 1) for index in range(removed)}

    following = []
    for session in previous:
        number = int(session.id[1:])
        if number in removed_numbers:
            continue
        if number in changed_numbers:
            session = replace(session, last_active_at=NOW, ip_address="88.198.0.1")
        following.append(session)
    following.extend(make_session(size + index) for index in range(added))

    counts = {"changed": changed, "removed": removed, "added": added}
    return SessionList(tuple(previous), NOW, None), SessionList(tuple(following), NOW, None), counts


def reset_with(model: SessionsModel, session_list: SessionList) -> None:
    """Replace every row in one beginResetModel/endResetModel, the baseline for `apply`."""
    # NOTE: this writes SessionsModel's private fields, because the model has no public
    # reset-to-a-list method. Keep it in step with SessionsModel.apply.
    model.beginResetModel()
    model._skew = session_list.server_time - model._clock()
    model._sessions = list(session_list.sessions)
    model._rows = {session.id: row for row, session in enumerate(model._sessions)}
    model._unfamiliar.clear()
    model.endResetModel()


def timed(app: QApplication, action) -> tuple[float, float]:
    """Return seconds spent in `action()` and in `action()` plus the event flush (layout, paint)."""
    start = time.perf_counter()
    action()
    called = time.perf_counter()
    app.processEvents()
    flushed = time.perf_counter()
    return called - start, flushed - start


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(app: QApplication, window: MainWindow, size: int, repeats: int) -> dict:
    model = window.model
    previous, following, counts = make_polls(size)
    results: dict[str, list[float]] = {"apply": [], "apply+flush": [], "reset": [], "reset+flush": []}

    for _ in range(repeats):
        for kind in ("apply", "reset"):
            reset_with(model, previous)
            app.processEvents()
            if kind == "apply":
                call, flush = timed(app, lambda: model.apply(following))
            else:
                call, flush = timed(app, lambda: reset_with(model, following))
            results[kind].append(call)
            results[kind + "+flush"].append(flush)
            assert model.rowCount() == len(following.sessions)

    return {"size": size, "counts": counts, "results": results}


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="sessions per poll (default: 1000 10000)")
    parser.add_argument("--repeats", type=int, default=30, help="timed runs of each kind per size (default: 30)")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow(SessionsModel())
    window.show()
    app.processEvents()

    print(f"platform={app.platformName()} repeats={args.repeats}")
    print("| sessions | changed/removed/added | measure | apply median ms | apply p95 ms | reset median ms | reset p95 ms | apply/reset (median) |")
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        started = time.perf_counter()
        measured = measure(app, window, size, args.repeats)
        results = measured["results"]
        counts = measured["counts"]
        mix = f"{counts['changed']}/{counts['removed']}/{counts['added']}"
        for label, apply_key, reset_key in (("call", "apply", "reset"), ("call + event flush", "apply+flush", "reset+flush")):
            apply_median = statistics.median(results[apply_key])
            reset_median = statistics.median(results[reset_key])
            print(
                f"| {size:,} | {mix} | {label} | {milliseconds(apply_median)} | {milliseconds(percentile(results[apply_key], 0.95))} "
                f"| {milliseconds(reset_median)} | {milliseconds(percentile(results[reset_key], 0.95))} | {apply_median / reset_median:.2f} |"
            )
        print(f"(size {size:,} took {time.perf_counter() - started:.1f} s)", file=sys.stderr)

    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
