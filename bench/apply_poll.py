"""Measure the GUI-thread cost of applying one poll to the sessions table, and of scrolling it.

In a poll of N sessions, 1% of N differ from the rows already shown: a third
changed, a third removed and a third added. The poll goes through
`SessionsModel.apply` on the model of a shown `MainWindow`, so the `SessionsProxy`
sorts by Last active the way the app does. In the app the poller compares the new
list with the rows on the worker thread (`plan_update`) and the GUI thread only
applies the result; the bench times both halves, and `apply` without a plan, which
compares on the GUI thread. The baseline is a full model reset (one
beginResetModel/endResetModel) with the same data, measured in the same process and
interleaved with the apply runs.

Scrolling: the window's table with the largest N rows is scrolled to 100 evenly
spaced positions from the top to the bottom and back, and each step is repainted. The baseline is a
bare QTableView of the same size over a QStandardItemModel holding the same texts.

Run: QT_QPA_PLATFORM=offscreen python bench/apply_poll.py
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

from PySide6.QtGui import QStandardItem, QStandardItemModel  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableView  # noqa: E402

from desktop_app.api.models import Device, Location, Session, SessionList  # noqa: E402
from desktop_app.ui.main_window import MainWindow  # noqa: E402
from desktop_app.ui.sessions_model import Column, SessionsModel, plan_update  # noqa: E402

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
    model._snapshot = None
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


KINDS = ("apply", "apply, compared here", "reset")
SCROLL_POSITIONS = 100


def measure(app: QApplication, window: MainWindow, size: int, repeats: int) -> dict:
    model = window.model
    previous, following, counts = make_polls(size)
    results: dict[str, list[float]] = {key: [] for kind in KINDS for key in (kind, kind + "+flush")}
    results["plan"] = []

    for _ in range(repeats):
        for kind in KINDS:
            reset_with(model, previous)
            app.processEvents()
            if kind == "apply":
                # The worker thread's half, outside the GUI-thread timing.
                started = time.perf_counter()
                update = plan_update(model.snapshot(), following)
                results["plan"].append(time.perf_counter() - started)
                call, flush = timed(app, lambda: model.apply(following, update))
            elif kind == "apply, compared here":
                call, flush = timed(app, lambda: model.apply(following))
            else:
                call, flush = timed(app, lambda: reset_with(model, following))
            results[kind].append(call)
            results[kind + "+flush"].append(flush)
            assert model.rowCount() == len(following.sessions)

    return {"size": size, "counts": counts, "results": results}


def scroll_steps(app: QApplication, view: QTableView, count: int) -> list[float]:
    """Scroll to `count` evenly spaced positions from the top to the bottom and back.

    Return the seconds of each step with its repaint.
    """
    bar = view.verticalScrollBar()
    bar.setValue(0)
    app.processEvents()
    values = [round(bar.maximum() * step / (count - 1)) for step in range(count)]
    steps = []
    for value in values + values[::-1]:
        started = time.perf_counter()
        bar.setValue(value)
        view.viewport().repaint()
        app.processEvents()
        steps.append(time.perf_counter() - started)
    return steps


def bare_table(sessions: tuple[Session, ...], model: SessionsModel) -> QTableView:
    """Build a QTableView over a QStandardItemModel with the texts the sessions table shows."""
    items = QStandardItemModel(len(sessions), len(Column))
    for row in range(len(sessions)):
        for column in range(len(Column)):
            text = model.index(row, column).data()
            items.setItem(row, column, QStandardItem(text or ""))
    view = QTableView()
    view.setModel(items)
    view.resize(980, 400)
    view._items = items  # keeps the model alive with the view
    return view


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

    print(f"platform={app.platformName()} repeats={args.repeats}\n")
    print("| sessions | changed / removed / added | thread | measure | median ms | p95 ms | median / reset median |")
    print("|---:|---|---|---|---:|---:|---:|")
    for size in args.sizes:
        started = time.perf_counter()
        measured = measure(app, window, size, args.repeats)
        results = measured["results"]
        counts = measured["counts"]
        mix = f"{counts['changed']} / {counts['removed']} / {counts['added']}"
        reset_medians = {flush: statistics.median(results["reset" + flush]) for flush in ("", "+flush")}
        rows = [("worker", "`plan_update`", "plan", "")]
        for kind in KINDS:
            if kind == "reset":
                label = "reset (baseline)"
            elif kind == "apply":
                label = "`apply`"
            else:
                label = "`apply`, compared on the GUI thread"
            rows.append(("GUI", f"{label}: call", kind, ""))
            rows.append(("GUI", f"{label}: call + event flush", kind + "+flush", "+flush"))
        for thread, label, key, flush in rows:
            median = statistics.median(results[key])
            print(
                f"| {size:,} | {mix} | {thread} | {label} | {milliseconds(median)} | {milliseconds(percentile(results[key], 0.95))} "
                f"| {median / reset_medians[flush]:.3f} |"
            )
        print(f"(size {size:,} took {time.perf_counter() - started:.1f} s)", file=sys.stderr)

    # Scrolling the largest list, against a bare table with the same texts.
    size = max(args.sizes)
    sessions = make_polls(size)[0]
    reset_with(window.model, sessions)
    app.processEvents()
    table_steps = scroll_steps(app, window.table, SCROLL_POSITIONS)
    bare = bare_table(sessions.sessions, window.model)
    bare.show()
    app.processEvents()
    bare_steps = scroll_steps(app, bare, SCROLL_POSITIONS)
    bare_median = statistics.median(bare_steps)
    print(f"\nScrolling {size:,} rows to {SCROLL_POSITIONS} positions, down and back up: {len(table_steps)} steps\n")
    print("| table | median ms per step | p95 ms | max ms | median / baseline |")
    print("|---|---:|---:|---:|---:|")
    for label, steps in (("bare QTableView + QStandardItemModel (baseline)", bare_steps), ("sessions table (`MainWindow`)", table_steps)):
        median = statistics.median(steps)
        print(f"| {label} | {milliseconds(median)} | {milliseconds(percentile(steps, 0.95))} | {milliseconds(max(steps))} | {median / bare_median:.2f} |")
    bare.close()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
