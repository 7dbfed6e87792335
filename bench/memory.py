"""Measure the peak resident memory of `session-guard` listing 1,000 sessions.

`session-guard` starts with a stored sign-in for a local `EmbeddedServer` whose
account has 1,000 live sessions (the app's own and 999 other sign-ins from six
browsers and eleven places). Once the app reports the list applied to its table
its peak RSS is read one second later, after the table has painted the list. The
baseline is bench/bare_window.py, a bare PySide6 QMainWindow with an empty
QTableView, read one second after its first paint. Both run as subprocesses,
alternating; the peak RSS is VmHWM from /proc/PID/status, so the bench needs Linux.

Run: python bench/memory.py   (QT_QPA_PLATFORM, if set, chooses the Qt platform; default offscreen)
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app_process import BenchServer, Child, app_command, app_environment, bare_command, bare_environment, qt_platform, remove

SETTLE_SECONDS = 1.0


def app_peak(workdir: Path, server: BenchServer, sessions: int) -> float:
    child = Child(app_command(), app_environment(workdir / "app", server.url, server.token), workdir / "app.log")
    try:
        child.wait_for(f"sessions-applied {sessions} ", timeout=120)
        time.sleep(SETTLE_SECONDS)
        return child.peak_rss_mib()
    finally:
        child.finish(signal.SIGTERM)


def bare_peak(workdir: Path) -> float:
    child = Child(bare_command(stay=True), bare_environment(workdir / "bare"), workdir / "bare.log")
    try:
        child.wait_for("first-paint")
        time.sleep(SETTLE_SECONDS)
        return child.peak_rss_mib()
    finally:
        child.finish()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each process, alternating (default: 5)")
    parser.add_argument("--sessions", type=int, default=1000, help="sessions the account has (default: 1000)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    started = time.monotonic()
    server = BenchServer(workdir, args.sessions)
    print(f"(server ready with {args.sessions} sessions after {time.monotonic() - started:.0f} s)", file=sys.stderr)
    try:
        # One untimed run of each writes the bytecode caches.
        bare_peak(workdir)
        app_peak(workdir, server, args.sessions)
        bare: list[float] = []
        app: list[float] = []
        for run in range(args.runs):
            order = ("bare", "app") if run % 2 == 0 else ("app", "bare")
            for kind in order:
                if kind == "bare":
                    bare.append(bare_peak(workdir))
                else:
                    app.append(app_peak(workdir, server, args.sessions))
    finally:
        server.stop()

    baseline = statistics.median(bare)
    print(f"platform={qt_platform()} runs={args.runs} sessions={args.sessions}\n")
    print("| process | median peak RSS MiB | min MiB | max MiB | median − baseline MiB | median / baseline |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, values in (("bare PySide6 window (baseline)", bare), (f"`session-guard` listing {args.sessions:,} sessions", app)):
        median = statistics.median(values)
        print(f"| {label} | {median:.1f} | {min(values):.1f} | {max(values):.1f} | {median - baseline:+.1f} | {median / baseline:.2f} |")
    print(f"\n(run took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    remove(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
