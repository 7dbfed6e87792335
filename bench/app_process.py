"""Shared set-up of startup.py, memory.py and idle.py: a local server and the real app in a subprocess.

`BenchServer` runs an `EmbeddedServer` on 127.0.0.1 with a lowered Argon2 cost and
one account without 2FA, signed in from a given number of devices. One of those
sessions belongs to the app: its token is what a keyring contains after an earlier
sign-in. `app_environment()` gives the app that stored sign-in: the settings file
in a temporary XDG_CONFIG_HOME, the token in `stored_token_keyring`, its own data
and temporary folders (so its single-instance socket cannot meet another copy of
the app) and SESSION_GUARD_BENCH_EVENTS, which makes the app print timed events.

Both environments drop PYTHONDONTWRITEBYTECODE and set PYTHONPYCACHEPREFIX to a
folder of the bench's own, so after a first untimed run the app's modules load from
bytecode, as in an installed copy, without writing into the source tree.

`Child` starts a process, reads those event lines from its stdout, and reads the
process's peak RSS from /proc (Linux). os.wait4's ru_maxrss would not do: Linux
carries the forking parent's peak RSS (this bench process, with the server) over
to the child at exec.
"""

from __future__ import annotations

import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from sessions_server.config import ServerConfig
from sessions_server.embedded import EmbeddedServer

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
EMAIL = "watched@example.com"
PASSWORD = "correct horse battery staple"
APP_USER_AGENT = "SessionGuard/0.1.0 (X11; Linux x86_64)"

# IP addresses from the GeoLite2 City database of maxminddb-geolite2, one country or city each.
IP_ADDRESSES = (
    "200.160.2.3",
    "151.101.1.1",
    "81.2.69.160",
    "41.203.64.1",
    "49.36.0.1",
    "88.198.0.1",
    "24.48.0.1",
    "203.2.218.214",
    "103.5.140.1",
    "17.253.144.10",
    "128.101.101.101",
)

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
)


def qt_platform() -> str:
    """Return the Qt platform of the child processes: QT_QPA_PLATFORM if set, else offscreen."""
    return os.environ.get("QT_QPA_PLATFORM") or "offscreen"


class BenchServer:
    """A server on 127.0.0.1 whose account has `sessions` live sessions, the app's among them."""

    def __init__(self, workdir: Path, sessions: int) -> None:
        config = ServerConfig(
            database_url=f"sqlite:///{workdir / 'server.sqlite'}",
            trusted_proxies=["127.0.0.1/32"],
            # Lowered from argon2-cffi's default (t=3, m=64 MiB, p=4), so a
            # thousand sign-ins take seconds.
            argon2_time_cost=1,
            argon2_memory_cost_kib=8192,
            argon2_parallelism=1,
        )
        self.server = EmbeddedServer(config)
        self.server.start()
        self.server.create_account(EMAIL, PASSWORD, enable_2fa=False)
        self.token = self._sign_in(APP_USER_AGENT, None)
        others = [(USER_AGENTS[n % len(USER_AGENTS)], IP_ADDRESSES[n % len(IP_ADDRESSES)]) for n in range(sessions - 1)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda device: self._sign_in(*device), others))

    @property
    def url(self) -> str:
        return self.server.url

    def _sign_in(self, user_agent: str, ip_address: str | None) -> str:
        headers = {"User-Agent": user_agent}
        if ip_address:
            headers["X-Forwarded-For"] = ip_address
        with httpx.Client(base_url=self.url + "/api/v1", headers=headers) as http:
            answer = http.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
            answer.raise_for_status()
            return answer.json()["access_token"]

    def stop(self) -> None:
        self.server.stop()


def app_environment(workdir: Path, server_url: str, token: str, *, poll_interval: float = 30.0) -> dict[str, str]:
    """Return the environment of an app process that finds a stored sign-in for `server_url`."""
    for name in ("config", "data", "cache", "tmp"):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    settings_file = workdir / "config" / "Session Guard" / "Session Guard.conf"
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text(
        f"[account]\nserver_url={server_url}\nemail={EMAIL}\n\n[monitor]\npoll_interval_seconds={poll_interval}\n",
        encoding="utf-8",
    )
    env = _base_environment(workdir)
    env.update(
        XDG_CONFIG_HOME=str(workdir / "config"),
        XDG_DATA_HOME=str(workdir / "data"),
        XDG_CACHE_HOME=str(workdir / "cache"),
        TMPDIR=str(workdir / "tmp"),
        PYTHONPATH=os.pathsep.join(filter(None, (str(BENCH_DIR), env.get("PYTHONPATH")))),
        PYTHON_KEYRING_BACKEND="stored_token_keyring.StoredTokenKeyring",
        SESSION_GUARD_BENCH_ACCOUNT=f"{EMAIL}@{server_url}",
        SESSION_GUARD_BENCH_TOKEN=token,
        SESSION_GUARD_BENCH_EVENTS="1",
    )
    return env


def bare_environment(workdir: Path) -> dict[str, str]:
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)
    env = _base_environment(workdir)
    env.update(TMPDIR=str(workdir / "tmp"))
    return env


def _base_environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(QT_QPA_PLATFORM=qt_platform(), PYTHONPYCACHEPREFIX=str(workdir.parent / "pycache"))
    return env


def app_python() -> str:
    """Return the Python of the measured processes: the one of SESSION_GUARD_BENCH_APP, else this one."""
    script = os.environ.get("SESSION_GUARD_BENCH_APP")
    return str(Path(script).with_name("python")) if script else sys.executable


def app_command() -> list[str]:
    """Return the command of the app: SESSION_GUARD_BENCH_APP, else the `session-guard` next to this Python.

    SESSION_GUARD_BENCH_APP lets the bench measure an installation without the
    test extra (the test extra adds packages that httpx imports when present).
    """
    script = Path(os.environ.get("SESSION_GUARD_BENCH_APP") or Path(sys.executable).with_name("session-guard"))
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "desktop_app"]


def bare_command(*, stay: bool = False) -> list[str]:
    """Return the command of the baseline window, run by the same Python as the app."""
    return [app_python(), str(BENCH_DIR / "bare_window.py")] + (["--stay"] if stay else [])


class Child:
    """A subprocess whose stdout lines are event lines: "NAME [ARGS…] TIME"."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path, *, merge_stderr: bool = False) -> None:
        """With `merge_stderr`, stderr lines (such as -X importtime's) arrive in order among the event lines."""
        self._log = open(log_path, "ab")
        stderr = subprocess.STDOUT if merge_stderr else self._log
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT)
        self.pid = self.process.pid
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self._lines.put(raw.decode("utf-8", "replace").strip())
        self._lines.put(None)

    def wait_for(self, prefix: str, timeout: float = 60.0, skipped: list[str] | None = None) -> list[str]:
        """Return the fields of the next line that starts with `prefix`; the last field is a time.monotonic().

        Lines read before it are appended to `skipped`, if given.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no {prefix!r} line within {timeout} s") from None
            if line is None:
                raise RuntimeError(f"the process ended before a {prefix!r} line; see {self._log.name}")
            if line.startswith(prefix):
                return line.split()
            if skipped is not None:
                skipped.append(line)

    def peak_rss_mib(self) -> float:
        """Return the process's peak resident set size so far (VmHWM in /proc/PID/status) in MiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM line in /proc/PID/status")

    def finish(self, signal_number: int | None = signal.SIGKILL, timeout: float = 20.0) -> resource.struct_rusage:
        """Send `signal_number` (None: wait for the process to quit by itself), reap it, return its rusage."""
        if signal_number is not None:
            self.process.send_signal(signal_number)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                break
            if time.monotonic() > deadline:
                self.process.kill()
                deadline = float("inf")
            time.sleep(0.02)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self._log.close()
        return usage


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
