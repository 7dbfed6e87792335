"""Measure what the signed-in app costs while nothing changes: bytes per poll and CPU time.

Bytes: the app's own `SessionsClient` lists the sessions of a local
`EmbeddedServer` through a counting TCP proxy on 127.0.0.1, then polls again
with the ETag it got. The unchanged poll's request and 304 response are counted
as they cross the socket (HTTP headers and body, not TCP/IP headers). The
baseline is the first exchange, the full 200 listing of the same sessions.

CPU: `session-guard` starts with a stored sign-in for the same server, through
the proxy, with its default settings: while its events stream is connected it
polls only every 5 minutes as a safety net. A bare PySide6 window
(bench/bare_window.py --stay) starts beside it as the baseline. From the app's
first sessions list on, both idle for --seconds (default 300). The CPU time
(user + system, from /proc/PID/stat, so Linux only) each used in that window is
divided by its length. Every poll the app sent in that window is listed with its
bytes.

Run: python bench/idle.py [--seconds 300]   (QT_QPA_PLATFORM, if set, chooses the Qt platform; default offscreen)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from app_process import BenchServer, Child, app_command, app_environment, bare_command, bare_environment, qt_platform, remove
from counting_proxy import CountingProxy

from desktop_app.api.client import SessionsClient

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def unchanged_poll_bytes(proxy: CountingProxy, server: BenchServer) -> tuple[int, int, int, int, int, int]:
    """Return (status, request, response) bytes of the full listing and of the unchanged poll after it."""
    start = len(proxy.exchanges)
    with SessionsClient(proxy.url, server.token) as client:
        listing = client.list_sessions()
        assert listing is not None and listing.etag
        assert client.list_sessions(listing.etag) is None
    time.sleep(0.2)  # the proxy's threads finish counting
    full, unchanged = proxy.exchanges[start : start + 2]
    return full.status, full.request_bytes, full.response_bytes, unchanged.status, unchanged.request_bytes, unchanged.response_bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="idle time measured (default: 300)")
    parser.add_argument("--sessions", type=int, default=10, help="sessions the account has (default: 10)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    started = time.monotonic()
    server = BenchServer(workdir, args.sessions)
    upstream = urlsplit(server.url)
    proxy = CountingProxy(upstream.hostname, upstream.port)
    app = bare = None
    try:
        full_status, full_request, full_response, poll_status, poll_request, poll_response = unchanged_poll_bytes(proxy, server)

        bare = Child(bare_command(stay=True), bare_environment(workdir / "bare"), workdir / "bare.log")
        app = Child(app_command(), app_environment(workdir / "app", proxy.url, server.token), workdir / "app.log")
        bare.wait_for("first-paint")
        app.wait_for("sessions-applied", timeout=120)
        time.sleep(1.0)  # the first list's paint
        first_poll = len(proxy.exchanges)
        window_start = time.monotonic()
        app_cpu, bare_cpu = cpu_seconds(app.pid), cpu_seconds(bare.pid)
        time.sleep(args.seconds)
        elapsed = time.monotonic() - window_start
        app_used, bare_used = cpu_seconds(app.pid) - app_cpu, cpu_seconds(bare.pid) - bare_cpu
        polls = proxy.exchanges[first_poll:]
    finally:
        for child in (app, bare):
            if child is not None:
                child.finish()
        proxy.close()
        server.stop()

    print(f"platform={qt_platform()} sessions={args.sessions}\n")
    print("One unchanged poll, request + response bytes on the socket:\n")
    print("| exchange | status | request bytes | response bytes | total bytes | total / full listing |")
    print("|---|---:|---:|---:|---:|---:|")
    full_total = full_request + full_response
    print(f"| full listing (baseline) | {full_status} | {full_request:,} | {full_response:,} | {full_total:,} | 1.00 |")
    poll_total = poll_request + poll_response
    print(f"| unchanged poll with If-None-Match | {poll_status} | {poll_request:,} | {poll_response:,} | {poll_total:,} | {poll_total / full_total:.2f} |")

    print(f"\nIdle for {elapsed:.0f} s after the first list, CPU time (user + system):\n")
    print("| process | CPU s | % of one core | / baseline |")
    print("|---|---:|---:|---:|")
    for label, used in (("bare PySide6 window (baseline)", bare_used), ("`session-guard`, signed in, events stream and safety poll", app_used)):
        ratio = f"{used / bare_used:.1f}" if bare_used else "n/a (baseline used no measurable CPU)"
        print(f"| {label} | {used:.2f} | {100 * used / elapsed:.3f} | {ratio} |")

    print(f"\nPolls the app sent while idle: {len(polls)}\n")
    print("| status | polls | median bytes (request + response) | max bytes |")
    print("|---:|---:|---:|---:|")
    for status in sorted({poll.status or 0 for poll in polls}):
        sizes = [poll.total for poll in polls if (poll.status or 0) == status]
        print(f"| {status} | {len(sizes)} | {statistics.median(sizes):,.0f} | {max(sizes):,} |")
    print(f"\n(run took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    remove(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
