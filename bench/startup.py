"""Measure the time from process start to the first painted main window.

`session-guard` starts with a stored sign-in (a token in the keyring, the account
in its settings file) for a local `EmbeddedServer` that lists 10 sessions. The
baseline is bench/bare_window.py: a bare PySide6 QMainWindow with an empty
QTableView. Both run as separate subprocesses, alternating, and the clock runs
from just before the subprocess is started to the zero timer after the window's
first Paint event (time.monotonic() in both processes). The app is also timed to
its first sessions list on screen. One more run of each under `python -X
importtime` lists what was imported before the first paint.

Run: python bench/startup.py   (QT_QPA_PLATFORM, if set, chooses the Qt platform; default offscreen)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app_process import BenchServer, Child, app_command, app_environment, app_python, bare_command, bare_environment, qt_platform, remove

# Modules that the window does not need; each should load only after the first paint.
DEFERRED = ("httpx", "keyring", "humanize", "sessions_server", "fastapi", "sqlalchemy", "desktop_app.api.client", "desktop_app.core.familiarity")


def time_app(workdir: Path, server: BenchServer) -> tuple[float, float]:
    env = app_environment(workdir / "app", server.url, server.token)
    child = Child(app_command(), env, workdir / "app.log")
    try:
        painted = float(child.wait_for("first-paint")[-1])
        listed = float(child.wait_for("sessions-applied")[-1])
    finally:
        child.finish()
    return painted - child.started, listed - child.started


def time_bare(workdir: Path) -> float:
    child = Child(bare_command(), bare_environment(workdir / "bare"), workdir / "bare.log")
    try:
        painted = float(child.wait_for("first-paint")[-1])
    finally:
        child.finish(None)
    return painted - child.started


def imports_before_paint(command: list[str], env: dict[str, str], log: Path) -> list[tuple[int, int, str]]:
    """Return (self µs, cumulative µs, indented name) of each -X importtime line before the first paint."""
    child = Child([app_python(), "-X", "importtime", *command_with_python(command)], env, log, merge_stderr=True)
    lines: list[str] = []
    try:
        child.wait_for("first-paint", skipped=lines)
    finally:
        child.finish()
    imports = []
    for line in lines:
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            own, cumulative, name = line[len("import time:") :].split("|")
            imports.append((int(own), int(cumulative), name.rstrip()))
    return imports


def command_with_python(command: list[str]) -> list[str]:
    """Return the arguments after the interpreter: the script's path, or `-m desktop_app`."""
    if command[0] in (sys.executable, app_python()):
        return command[1:]
    return [command[0]]


def report_imports(title: str, imports: list[tuple[int, int, str]], top: int) -> None:
    total = sum(own for own, _, _ in imports)
    print(f"\n{title}: {len(imports)} modules, {total / 1000:.0f} ms of import time before the first paint (one run)\n")
    print("| module | cumulative ms |")
    print("|---|---:|")
    top_level = [(cumulative, name.strip()) for _, cumulative, name in imports if not name.startswith("  ")]
    for cumulative, name in sorted(top_level, reverse=True)[:top]:
        print(f"| `{name}` | {cumulative / 1000:.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each process, alternating (default: 15)")
    parser.add_argument("--sessions", type=int, default=10, help="sessions the server lists (default: 10)")
    parser.add_argument("--top", type=int, default=12, help="top-level imports listed (default: 12)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    started = time.monotonic()
    server = BenchServer(workdir, args.sessions)
    try:
        # One untimed run of each fills the OS file cache.
        time_bare(workdir)
        time_app(workdir, server)
        bare: list[float] = []
        painted: list[float] = []
        listed: list[float] = []
        for run in range(args.runs):
            order = ("bare", "app") if run % 2 == 0 else ("app", "bare")
            for kind in order:
                if kind == "bare":
                    bare.append(time_bare(workdir))
                else:
                    paint, listing = time_app(workdir, server)
                    painted.append(paint)
                    listed.append(listing)

        app_imports = imports_before_paint(app_command(), app_environment(workdir / "app", server.url, server.token), workdir / "app-importtime.log")
        bare_imports = imports_before_paint(bare_command(), bare_environment(workdir / "bare"), workdir / "bare-importtime.log")
    finally:
        server.stop()

    baseline = statistics.median(bare)
    print(f"platform={qt_platform()} runs={args.runs} sessions={args.sessions}\n")
    print("| process | to | median ms | min ms | max ms | median / baseline |")
    print("|---|---|---:|---:|---:|---:|")
    rows = (
        ("bare PySide6 window (baseline)", "first paint", bare),
        ("`session-guard`, stored sign-in", "first paint", painted),
        ("`session-guard`, stored sign-in", "first sessions list", listed),
    )
    for process, point, values in rows:
        median = statistics.median(values)
        print(f"| {process} | {point} | {median * 1000:.0f} | {min(values) * 1000:.0f} | {max(values) * 1000:.0f} | {median / baseline:.2f} |")

    report_imports("`session-guard`", app_imports, args.top)
    loaded = {name.strip() for _, _, name in app_imports}
    early = [module for module in DEFERRED if module in loaded]
    print(f"\nDeferred modules imported before the first paint: {', '.join(early) if early else 'none'}")
    report_imports("Bare window", bare_imports, args.top)
    print(f"\n(run took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    remove(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
