"""Measure the time from a sign-in on the server to the app's unfamiliar sign-in notification.

An EmbeddedServer runs on 127.0.0.1 with a lowered Argon2 cost. The app (MainWindow,
TaskRunner, AppController) signs in through its sign-in dialog. Each run waits a
random delay, then a thread signs in a new device with another browser, OS and
country, and the run records the time from the sign-in response to the notification.

Two modes:
- push (default): the app follows `GET /api/v1/sessions/events`, and each event makes
  it poll at once; 50 runs with a delay of up to 1 s. The goal is a p95 under 1 s.
  The baseline is one `GET /sessions` request, the poll that every event causes.
  When the server does not offer the stream, the script prints why and measures
  the poll mode instead.
- poll: the app polls every 2 s and has no stream; 20 runs with a delay of up to one
  interval, so sign-ins land at random points of the poll cycle. The baseline is the
  expected latency: half the poll interval plus one `GET /sessions` request.

Run: QT_QPA_PLATFORM=offscreen python bench/alert_latency.py [--mode push|poll]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx  # noqa: E402
from keyring.backends import fail  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop_app.controller import AppController  # noqa: E402
from desktop_app.core import schedule  # noqa: E402
from desktop_app.core.credentials import TokenStore  # noqa: E402
from desktop_app.ui.event_stream import EventStream  # noqa: E402
from desktop_app.settings import Settings  # noqa: E402
from desktop_app.ui.main_window import MainWindow  # noqa: E402
from desktop_app.ui.sessions_model import SessionsModel  # noqa: E402
from desktop_app.ui.worker import TaskRunner  # noqa: E402
from sessions_server.config import ServerConfig  # noqa: E402
from sessions_server.embedded import EmbeddedServer  # noqa: E402

EMAIL = "watched@example.com"
PASSWORD = "correct horse battery staple"
RUN_TIMEOUT_SECONDS = 15.0
STREAM_CONNECT_TIMEOUT_SECONDS = 10.0
PUSH_MAX_DELAY_SECONDS = 1.0
PUSH_GOAL_P95_SECONDS = 1.0
DEFAULT_RUNS = {"push": 50, "poll": 20}

# IP addresses from the GeoLite2 City database of maxminddb-geolite2, one country or city each.
IP_ADDRESSES = (
    "200.160.2.3",  # BR
    "151.101.1.1",  # US, San Francisco
    "81.2.69.160",  # GB
    "41.203.64.1",  # NG
    "49.36.0.1",  # IN, Mumbai
    "88.198.0.1",  # DE
    "24.48.0.1",  # CA
    "203.2.218.214",  # AU
    "103.5.140.1",  # JP
    "17.253.144.10",  # US, Cupertino
    "128.101.101.101",  # US, Minneapolis
)

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
)


def wait_for(predicate, timeout: float, description: str) -> None:
    """Run the Qt event loop until `predicate()` is true, or raise TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {description}")
        loop = QEventLoop()
        QTimer.singleShot(5, loop.quit)
        loop.exec()


def sign_in_device(url: str, user_agent: str, ip_address: str, delay: float, times: dict) -> None:
    """Sleep `delay` seconds, then sign in with the password as another device and record the times in `times`."""
    time.sleep(delay)
    headers = {"User-Agent": user_agent, "X-Forwarded-For": ip_address}
    try:
        with httpx.Client(base_url=url + "/api/v1", headers=headers, timeout=10.0) as http:
            times["sent"] = time.perf_counter()
            response = http.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
            times["answered"] = time.perf_counter()
            response.raise_for_status()
            if response.json().get("status") != "authenticated":
                raise RuntimeError(f"sign-in did not complete: {response.text[:200]}")
            times["token"] = response.json()["access_token"]
    except Exception as exc:  # Reported by the main thread, which owns the output.
        times["error"] = exc


def measure_poll_request(url: str, token: str, count: int) -> list[float]:
    """Return the durations of `count` full `GET /sessions` requests (no ETag) in seconds."""
    durations = []
    with httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10.0) as http:
        for _ in range(count):
            start = time.perf_counter()
            http.get("/sessions").raise_for_status()
            durations.append(time.perf_counter() - start)
    return durations


def percentile(values: list[float], fraction: float) -> float:
    """Return the `fraction` quantile of `values`, interpolated between the two nearest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def wait_for_stream(controller: AppController) -> str | None:
    """Wait until the app's events stream is connected; return None, or why it is not."""
    events: EventStream = controller.events
    try:
        wait_for(lambda: events.connected or not events.running, STREAM_CONNECT_TIMEOUT_SECONDS, "the events stream")
    except TimeoutError:
        return f"the events stream did not connect within {STREAM_CONNECT_TIMEOUT_SECONDS:.0f} s"
    if not events.connected:
        return "the server does not offer GET /api/v1/sessions/events (it answered 404 or 405)"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("push", "poll"), default="push", help="push: follow the events stream; poll: poll only (default: push)")
    parser.add_argument("--runs", type=int, help="sign-ins to time (default: 50 in push mode, 20 in poll mode)")
    parser.add_argument("--interval", type=float, default=2.0, help="poll interval of the poll mode, in seconds (default: 2)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random delays before each sign-in (default: 1)")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv)
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-alert-latency-"))

    # Argon2 cost lowered from argon2-cffi's default (t=3, m=64 MiB, p=4), so a
    # sign-in costs milliseconds and does not hide the polling delay.
    config = ServerConfig(
        database_url=f"sqlite:///{workdir / 'server.sqlite'}",
        trusted_proxies=["127.0.0.1/32"],
        argon2_time_cost=1,
        argon2_memory_cost_kib=8192,
        argon2_parallelism=1,
    )
    server = EmbeddedServer(config)
    server.start()
    # The watched account has no 2FA, so other devices sign in with the password
    # alone and no TOTP step or recovery code limits the number of runs.
    server.create_account(EMAIL, PASSWORD, enable_2fa=False)

    # The app clamps poll intervals to at least schedule.MIN_INTERVAL (10 s).
    # Lower that floor in this process only, so set_interval accepts 2 s.
    schedule.MIN_INTERVAL = min(schedule.MIN_INTERVAL, args.interval)

    runner = TaskRunner()
    window = MainWindow(SessionsModel())
    settings = Settings(QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat))
    controller = AppController(
        window,
        runner,
        settings,
        # remember_sign_in=False never stores a token; the fail backend makes sure of it.
        TokenStore(fail.Keyring()),
        data_dir=workdir / "data",
        server_url=server.url,
        remember_sign_in=False,
    )
    monitor = controller.monitor
    alerts = monitor.alerts

    # AlertCenter appends to `notifications` after it emits sig_changed, so the
    # notification is looked for when the monitor reports the poll as applied.
    notified_at: list[float] = []

    def record_notification() -> None:
        if len(alerts.notifications) > len(notified_at):
            notified_at.append(time.perf_counter())

    monitor.sig_sessions_applied.connect(record_notification)

    latencies: list[float] = []
    request_times: list[float] = []
    try:
        window.show()
        controller.start()
        dialog = controller.sign_in_dialog
        wait_for(lambda: dialog is not None and dialog.isVisible(), 5, "the sign-in dialog")
        dialog.email_field.setText(EMAIL)
        dialog.password_field.setText(PASSWORD)
        dialog.ok_button.click()
        # The first poll after sign-in records the silent baseline of known devices.
        wait_for(lambda: controller.client is not None and controller.poller.last_success is not None, 10, "the first poll")
        mode = args.mode
        if mode == "push":
            problem = wait_for_stream(controller)
            if problem is not None:
                print(f"Push mode is not possible: {problem}. Measuring the poll mode instead.", file=sys.stderr)
                mode = "poll"
        if mode == "poll":
            controller.events.stop()
            controller.poller.set_live(False)  # stop() emits no signal, so the poller leaves live mode here.
            controller.poller.set_interval(args.interval)
            print(f"poll mode: interval {controller.poller.interval:g} s, server {server.url}", file=sys.stderr)
        else:
            print(f"push mode: safety poll every {controller.poller.current_interval:g} s, server {server.url}", file=sys.stderr)
        runs = args.runs or DEFAULT_RUNS[mode]
        max_delay = PUSH_MAX_DELAY_SECONDS if mode == "push" else args.interval

        token = ""
        for run in range(runs):
            times: dict = {}
            delay = rng.uniform(0, max_delay)
            user_agent = USER_AGENTS[run % len(USER_AGENTS)]
            ip_address = IP_ADDRESSES[run % len(IP_ADDRESSES)]
            before = len(alerts.notifications)
            thread = threading.Thread(target=sign_in_device, args=(server.url, user_agent, ip_address, delay, times))
            thread.start()
            wait_for(
                lambda: "error" in times or len(alerts.notifications) > before,
                delay + RUN_TIMEOUT_SECONDS,
                f"the notification of run {run + 1}",
            )
            thread.join()
            if "error" in times:
                raise RuntimeError(f"sign-in of run {run + 1} failed: {times['error']!r}")
            if mode == "push" and not controller.events.connected:
                raise RuntimeError(f"the events stream was down during run {run + 1}, so its latency is a poll's")
            latency = notified_at[-1] - times["answered"]
            latencies.append(latency)
            request_times.append(times["answered"] - times["sent"])
            token = times["token"]
            print(f"run {run + 1:2d}: delay {delay:.2f} s, {ip_address:<16} latency {latency * 1000:7.1f} ms", file=sys.stderr)

        poll_requests = measure_poll_request(server.url, token, 20)
    finally:
        controller.shutdown()
        window.close()
        server.stop()

    poll_request = statistics.median(poll_requests)
    median = statistics.median(latencies)
    p95 = percentile(latencies, 0.95)
    if mode == "push":
        print(f"mode=push runs={len(latencies)} seed={args.seed}")
    else:
        print(f"mode=poll runs={len(latencies)} interval={args.interval:g} s seed={args.seed}")
    print("| measure | ms |")
    print("|---|---:|")
    print(f"| sign-in request (median) | {statistics.median(request_times) * 1000:.1f} |")
    print(f"| GET /sessions listing {len(latencies) + 1} sessions, median of {len(poll_requests)} | {poll_request * 1000:.1f} |")
    print(f"| latency, median | {median * 1000:.1f} |")
    print(f"| latency, p95 | {p95 * 1000:.1f} |")
    print(f"| latency, mean | {statistics.mean(latencies) * 1000:.1f} |")
    print(f"| latency, best | {min(latencies) * 1000:.1f} |")
    print(f"| latency, worst | {max(latencies) * 1000:.1f} |")
    if mode == "push":
        print(f"| baseline: GET /sessions | {poll_request * 1000:.1f} |")
        verdict = "met" if p95 < PUSH_GOAL_P95_SECONDS else "missed"
        print(f"median / baseline = {median / poll_request:.2f}; p95 goal < {PUSH_GOAL_P95_SECONDS * 1000:.0f} ms {verdict}")
    else:
        expected = args.interval / 2 + poll_request
        print(f"| baseline: interval / 2 + GET /sessions | {expected * 1000:.1f} |")
        print(f"median / baseline = {median / expected:.2f}; worst / (interval + GET /sessions) = {max(latencies) / (args.interval + poll_request):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
