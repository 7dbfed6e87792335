"""Load-test `GET /api/v1/sessions` of the reference server with wrk on loopback.

The script covers SQLite, and PostgreSQL when a server URL is given, each with
several numbers of worker processes. For each pair it creates a fresh database and
seeds one account with 100 live sessions. It then starts `session-guard-server serve
--workers N` on a free 127.0.0.1 port and runs wrk at several connection counts.
Every request carries the bearer token, so the token check runs every time.

The baseline, measured in the same run against the same server, is the same
request without a token: FastAPI routing, the bearer dependency and the 401
problem response, without any database query. The ratio of the two shows what the
token check and the list cost on top of the framework.

wrk and the server share the machine's cores, so absolute figures are lower
than on separate machines.

Run:
    apt-get install wrk
    python bench/server_load.py                    # SQLite only, about 2 minutes
    python bench/server_load.py --postgres-url postgresql+psycopg://postgres@/postgres?host=/tmp/...
    python bench/server_load.py --source /tmp/before   # a worktree of an older commit
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from sessions_server.accounts import create_account
from sessions_server.db import Account, create_db_engine, create_session_factory
from sessions_server.geo import GeoLocator, default_geoip_db
from sessions_server.security import PasswordService, new_token
from sessions_server.session_store import create_session

SESSIONS = 100
# wrk counts a slower request as a timeout error. Its default of 2 s is shorter than
# the queueing delay at 64 connections on two cores.
WRK_TIMEOUT_SECONDS = 10
EMAIL = "load@example.com"
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
ADDRESSES = ("200.160.2.3", "151.101.1.1", "81.2.69.160", "49.36.0.1", "88.198.0.1", "24.48.0.1")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed(database_url: str) -> str:
    """Create the account and its sessions; return the token of the newest session."""
    engine = create_db_engine(database_url)
    factory = create_session_factory(engine)
    geo = GeoLocator(default_geoip_db())
    # A cheap Argon2 cost: the benchmark never signs in with the password.
    passwords = PasswordService(time_cost=1, memory_cost_kib=8, parallelism=1)
    now = datetime.now(UTC)
    token = ""
    try:
        with factory() as db:
            create_account(db, passwords, EMAIL, "load test password", enable_2fa=False, session_ttl_days=30, now=now)
            account = db.query(Account).filter_by(email=EMAIL).one()
            for index in range(SESSIONS):
                token = new_token()
                create_session(
                    db,
                    account,
                    token=token,
                    ip_address=ADDRESSES[index % len(ADDRESSES)],
                    user_agent=USER_AGENTS[index % len(USER_AGENTS)],
                    client_hints={},
                    auth_methods=["password"],
                    geo=geo,
                    now=now - timedelta(minutes=SESSIONS - index),
                )
    finally:
        geo.close()
        engine.dispose()
    return token


def source_environment(source: Path | None) -> dict[str, str]:
    """Return the environment that makes subprocesses import sessions_server from `source`."""
    if source is None:
        return dict(os.environ)
    return {**os.environ, "PYTHONPATH": str(source)}


def seed_with(source: Path | None, database_url: str) -> str:
    """Seed the database with the server code of `source` (the installed code when None)."""
    result = subprocess.run(
        [sys.executable, __file__, "--seed", database_url],
        env=source_environment(source),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def start_server(database_url: str, workers: int, source: Path | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "sessions_server", "serve", "--database", database_url, "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(
        command,
        env=source_environment(source),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1/sessions"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def settle(url: str) -> None:
    """Wait until the server responds within 100 ms, so requests still queued from the last run do not count."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        started = time.monotonic()
        httpx.get(url, timeout=60)
        if time.monotonic() - started < 0.1:
            return
        time.sleep(0.5)
    raise RuntimeError("the server did not settle within 120 s")


def run_wrk(url: str, connections: int, seconds: int, token: str | None) -> tuple[float, float, int]:
    """Return requests per second, the 99th percentile latency in milliseconds and wrk's socket error count."""
    settle(url)
    command = [
        "wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
        "--timeout", f"{WRK_TIMEOUT_SECONDS}s", "--latency", url,
    ]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output and token:
        raise RuntimeError(f"wrk received non-2xx responses:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = sum(int(count) for count in socket_errors.groups()) if socket_errors else 0
    return rate, float(value) * factor, errors


def postgres_database(admin_url: str) -> tuple[str, callable]:
    name = f"session_guard_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("SESSION_GUARD_TEST_POSTGRES"), help="PostgreSQL server to create a scratch database on (default: $SESSION_GUARD_TEST_POSTGRES)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run (default: 8)")
    parser.add_argument(
        "--source",
        type=Path,
        help="checkout whose sessions_server to measure, such as a git worktree of an older commit (default: the installed one)",
    )
    parser.add_argument("--seed", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        print(seed(args.seed))
        return 0
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1

    code = f"sessions_server from {args.source}" if args.source else "the installed sessions_server"
    print(f"{code}; `GET /sessions`, {SESSIONS} sessions, wrk with 2 threads (1 for 1 connection), {args.seconds} s per cell, `nproc` = {os.cpu_count()}\n")
    print("| database | workers | connections | req/s | p99 ms | socket errors | baseline req/s (401) | baseline p99 ms | req/s ÷ baseline |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    databases = [("SQLite", None)]
    if args.postgres_url:
        databases.append(("PostgreSQL", args.postgres_url))
    for label, admin_url in databases:
        for workers in args.workers:
            with tempfile.TemporaryDirectory() as folder:
                if admin_url is None:
                    url, drop = f"sqlite:///{Path(folder) / 'load.sqlite3'}", (lambda: None)
                else:
                    url, drop = postgres_database(admin_url)
                try:
                    token = seed_with(args.source, url)
                    process, endpoint = start_server(url, workers, args.source)
                    try:
                        run_wrk(endpoint, 8, 2, token)  # Warm up every worker.
                        for connections in args.connections:
                            rate, p99, errors = run_wrk(endpoint, connections, args.seconds, token)
                            base_rate, base_p99, _ = run_wrk(endpoint, connections, args.seconds, None)
                            print(
                                f"| {label} | {workers} | {connections} | {rate:,.0f} | {p99:.1f} | {errors} | "
                                f"{base_rate:,.0f} | {base_p99:.1f} | {rate / base_rate if base_rate else float('nan'):.2f} |",
                                flush=True,
                            )
                    finally:
                        stop_server(process)
                finally:
                    drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
