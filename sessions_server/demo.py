"""Demo server with one 2FA account and a history of sessions from around the world."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pyotp

from .config import ServerConfig, utc_now
from .embedded import EmbeddedServer

logger = logging.getLogger(__name__)

DEMO_EMAIL = "demo@example.com"

_PASSWORD_WORDS = (
    "amber", "birch", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper",
    "kestrel", "lagoon", "maple", "nebula", "orchid", "pebble", "quartz", "raven", "sierra", "tundra",
    "umber", "violet", "willow", "yonder", "zephyr", "canyon", "meadow", "summit", "glacier", "coral",
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    totp_secret: str
    recovery_codes: list[str]


@dataclass(frozen=True)
class _DemoSession:
    user_agent: str
    ip: str
    signed_in_ago: timedelta
    last_active_ago: timedelta
    client_hints: tuple[tuple[str, str], ...] = ()
    use_recovery_code: bool = False


_CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
)
# Oldest sign-in first; each is a real sign-in with its own TOTP step, so the order matters.
_DEMO_SESSIONS = (
    _DemoSession(  # iPhone Chrome, Sydney AU; inactive (last seen 12 days ago)
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "CriOS/142.0.7444.46 Mobile/15E148 Safari/604.1",
        "203.2.218.214", timedelta(days=25), timedelta(days=12),
    ),
    _DemoSession(  # Windows Chrome, Nuremberg DE; active within the last minute
        _CHROME_WIN, "88.198.0.1", timedelta(days=20), timedelta(seconds=30),
        (("sec-ch-ua-platform", '"Windows"'), ("sec-ch-ua-platform-version", '"19.0.0"')),
    ),
    _DemoSession(  # iPad Safari, Tokyo JP
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        "103.5.140.1", timedelta(days=9), timedelta(days=3),
    ),
    _DemoSession(  # Windows Firefox from an address without a GeoIP record (103.12.0.1); inactive
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "103.12.0.1", timedelta(days=8, hours=3), timedelta(days=8),
    ),
    _DemoSession(  # Android Chrome phone with a reduced User-Agent, Mumbai IN
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
        "Mobile Safari/537.36",
        "49.36.0.1", timedelta(days=6), timedelta(days=5),
    ),
    _DemoSession(  # Android tablet Chrome, Jalna IN; signed in with a recovery code
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
        "Safari/537.36",
        "59.94.3.1", timedelta(days=4), timedelta(days=1), use_recovery_code=True,
    ),
    _DemoSession(  # macOS Safari, Cupertino US
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
        "17.253.144.10", timedelta(days=3), timedelta(hours=15),
    ),
    _DemoSession(  # Linux Firefox, Québec CA
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "24.48.0.1", timedelta(days=2), timedelta(hours=2),
    ),
    _DemoSession(  # macOS Chrome, United States with no city (8.8.8.8)
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/142.0.0.0 Safari/537.36",
        "8.8.8.8", timedelta(days=1, hours=6), timedelta(hours=6),
    ),
    _DemoSession(  # Windows 11 Edge, Lagos NG
        _CHROME_WIN + " Edg/142.0.0.0", "41.203.64.1", timedelta(days=1), timedelta(minutes=40),
        (("sec-ch-ua-platform", '"Windows"'), ("sec-ch-ua-platform-version", '"15.0.0"')),
    ),
)


class _ShiftableClock:
    """UTC clock with an adjustable offset, used to sign in the demo sessions at past times."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return utc_now() + self._offset

    def set_offset(self, offset: timedelta) -> None:
        with self._lock:
            self._offset = offset


def _readable_password() -> str:
    words = [secrets.choice(_PASSWORD_WORDS) for _ in range(3)]
    return "-".join(words) + f"-{secrets.randbelow(100):02d}"


def start_demo_server(data_dir: Path) -> tuple[EmbeddedServer, DemoAccount]:
    """Start a server on a new SQLite file in `data_dir` and sign in the demo sessions over HTTP.

    Each demo session is a real sign-in (password, then TOTP or a recovery
    code) with its own User-Agent and an X-Forwarded-For address, which the
    server trusts because the requests come from loopback. The server clock
    is moved back to each sign-in's time so that every sign-in uses a TOTP
    code of a distinct, increasing time step and the replay check passes.
    The clock runs in real time again before this function returns, and the
    last used step lies a day in the past, so the current code is accepted.
    Nine recovery codes stay unused.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / f"demo-{secrets.token_hex(4)}.sqlite3"
    clock = _ShiftableClock()
    config = ServerConfig(
        database_url=f"sqlite:///{db_path}",
        trusted_proxies=["127.0.0.1/32", "::1/128"],
        clock=clock,
    )
    server = EmbeddedServer(config)
    password = _readable_password()
    account_secrets = server.create_account(DEMO_EMAIL, password, enable_2fa=True)
    assert account_secrets.totp_secret is not None
    totp = pyotp.TOTP(account_secrets.totp_secret)
    recovery_codes = list(account_secrets.recovery_codes)

    server.start()
    try:
        now = utc_now()
        with httpx.Client(base_url=f"{server.url}/api/v1", timeout=10.0) as client:
            for demo in _DEMO_SESSIONS:
                signed_in_at = now - demo.signed_in_ago
                clock.set_offset(signed_in_at - utc_now())
                code = recovery_codes.pop() if demo.use_recovery_code else totp.at(signed_in_at)
                session_id = _sign_in(client, demo, password, code)
                server.backdate_session(session_id, last_active_at=now - demo.last_active_ago)
    except Exception:
        server.stop()
        raise
    finally:
        clock.set_offset(timedelta())
    logger.info("demo server on %s with %d sessions for %s", server.url, len(_DEMO_SESSIONS), DEMO_EMAIL)
    return server, DemoAccount(DEMO_EMAIL, password, account_secrets.totp_secret, recovery_codes)


def _sign_in(client: httpx.Client, demo: _DemoSession, password: str, code: str) -> str:
    """Sign in as the demo account from the demo session's browser and address; return the session id."""
    headers = {"User-Agent": demo.user_agent, "X-Forwarded-For": demo.ip, **dict(demo.client_hints)}
    login = client.post("/auth/login", json={"email": DEMO_EMAIL, "password": password}, headers=headers)
    login.raise_for_status()
    mfa = client.post("/auth/mfa", json={"mfa_token": login.json()["mfa_token"], "code": code}, headers=headers)
    mfa.raise_for_status()
    return str(mfa.json()["session"]["id"])


@dataclass(frozen=True)
class DemoVisitor:
    """A sign-in that arrives while the demo runs; `familiar` is True when the app should not alert."""

    user_agent: str
    ip: str
    familiar: bool


# Unfamiliar and familiar visitors alternate, starting with an unfamiliar one so the
# demo shows an alert soon after sign-in.
DEMO_VISITORS = (
    DemoVisitor(  # new browser, OS and country: Firefox on Android from Brazil
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", "200.160.2.3", familiar=False
    ),
    DemoVisitor(_CHROME_WIN, "88.198.0.1", familiar=True),  # Windows Chrome from Nuremberg again
    DemoVisitor(  # new OS and city: Chrome on ChromeOS from San Francisco
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
        "151.101.1.1",
        familiar=False,
    ),
    DemoVisitor(  # macOS Safari from Cupertino again, one version newer
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.2 Safari/605.1.15",
        "17.253.144.10",
        familiar=True,
    ),
    DemoVisitor(  # new browser and country: Samsung Internet from the United Kingdom
        "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 "
        "Chrome/125.0.0.0 Mobile Safari/537.36",
        "81.2.69.160",
        familiar=False,
    ),
    DemoVisitor("Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0", "24.48.0.1", familiar=True),
)


TOTP_STEP_SECONDS = 30


def sign_in_visitor(server_url: str, account: DemoAccount, visitor: DemoVisitor, after_step: int = -1) -> tuple[str, int]:
    """Sign in as the demo account from `visitor`'s browser and address.

    The server accepts each TOTP time step once, so the code comes from the first
    step after `after_step` that the server's one-step window accepts: the current
    step, else the next one, else (waiting for the clock) a later one. The user's
    own sign-in can still have taken the chosen step, so the next step is tried
    after a rejected code. Returns the session id and the step used.
    """
    totp = pyotp.TOTP(account.totp_secret)
    headers = {"User-Agent": visitor.user_agent, "X-Forwarded-For": visitor.ip}
    with httpx.Client(base_url=f"{server_url}/api/v1", timeout=10.0, headers=headers) as client:
        for _ in range(2):
            now_step = int(utc_now().timestamp()) // TOTP_STEP_SECONDS
            step = max(now_step, after_step + 1)
            if step > now_step + 1:
                time.sleep((step - 1) * TOTP_STEP_SECONDS - utc_now().timestamp() + 0.5)
            login = client.post("/auth/login", json={"email": account.email, "password": account.password})
            login.raise_for_status()
            code = totp.at(step * TOTP_STEP_SECONDS)
            mfa = client.post("/auth/mfa", json={"mfa_token": login.json()["mfa_token"], "code": code})
            if mfa.status_code == 200:
                return str(mfa.json()["session"]["id"]), step
            after_step = step
        mfa.raise_for_status()
    raise RuntimeError("the demo visitor's sign-in was not accepted")


class DemoVisitors:
    """Signs in one demo visitor every `interval` seconds on a daemon thread, until `stop()`."""

    def __init__(self, server_url: str, account: DemoAccount, interval: float, first_delay: float) -> None:
        self._server_url = server_url
        self._account = account
        self._interval = interval
        self._first_delay = first_delay
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-visitors", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=15)

    def _run(self) -> None:
        delay = self._first_delay
        index = 0
        last_step = -1
        while not self._stop.wait(delay):
            visitor = DEMO_VISITORS[index % len(DEMO_VISITORS)]
            try:
                session_id, last_step = sign_in_visitor(self._server_url, self._account, visitor, last_step)
                logger.info("demo visitor signed in: session %s from %s (familiar: %s)", session_id, visitor.ip, visitor.familiar)
            except (httpx.HTTPError, RuntimeError) as exc:
                logger.warning("demo visitor from %s could not sign in: %s", visitor.ip, exc)
            index += 1
            delay = self._interval
