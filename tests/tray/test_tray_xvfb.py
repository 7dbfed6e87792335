"""The real system tray: `session-guard` under Xvfb with the trayer panel as tray host.

Locally these tests skip when Xvfb or trayer is missing; with CI=true they fail instead,
because CI must exercise the tray.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sessions_server.config import ServerConfig
from sessions_server.embedded import EmbeddedServer

EMAIL = "tray@example.com"
PASSWORD = "tray test password"
ROOT = Path(__file__).resolve().parents[2]


def _require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{binary} is not installed; .ci/run must install it")
        pytest.skip(f"{binary} is not installed")
    return path


@pytest.fixture(scope="module")
def x_display(tmp_path_factory):
    xvfb = _require("Xvfb")
    trayer = _require("trayer")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"], pass_fds=(write_fd,))
    os.close(write_fd)
    with os.fdopen(read_fd) as display_pipe:
        display = ":" + display_pipe.readline().strip()
    env = {**os.environ, "DISPLAY": display}
    panel = subprocess.Popen([trayer, "--edge", "top", "--align", "right", "--width", "10", "--height", "32"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    yield display
    panel.terminate()
    panel.wait(10)
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="module")
def probe_report(x_display, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("probe")
    config = ServerConfig(database_url=f"sqlite:///{tmp_path / 'server.sqlite'}", trusted_proxies=["127.0.0.1/32"])
    with EmbeddedServer(config) as server:
        secrets = server.create_account(EMAIL, PASSWORD, enable_2fa=True)
        recovery = list(secrets.recovery_codes)
        with httpx.Client(base_url=server.url + "/api/v1") as http:
            challenge = http.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
            token = http.post("/auth/mfa", json={"mfa_token": challenge["mfa_token"], "code": recovery.pop()}).json()["access_token"]

        env = {
            **os.environ,
            "DISPLAY": x_display,
            "QT_QPA_PLATFORM": "xcb",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "TMPDIR": str(tmp_path),
            "PROBE_SERVER": server.url,
            "PROBE_EMAIL": EMAIL,
            "PROBE_PASSWORD": PASSWORD,
            "PROBE_TOKEN": token,
            "PROBE_RECOVERY_CODE": recovery.pop(),
        }
        result = subprocess.run([sys.executable, "-m", "tests.tray.probe"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_tray_is_available(probe_report):
    assert probe_report["tray_available"] is True


def test_icon_is_shown(probe_report):
    assert probe_report["icon_visible"] is True


def test_icon_is_embedded_in_tray(probe_report):
    assert probe_report["icon_geometry_empty"] is False


def test_minimized_start_hides_window(probe_report):
    assert probe_report["window_visible_when_minimized"] is False


def test_close_hides_to_tray(probe_report):
    assert probe_report["hide_on_close"] is True


def test_refresh_now_polls(probe_report):
    assert probe_report["polls_after_refresh_now"] == 1


def test_alert_notification_sent(probe_report):
    assert probe_report["notifications"] == ["New sign-in: Firefox v133 - Linux, Brazil"]


def test_alert_balloon_visible(probe_report):
    assert probe_report["balloon_visible"] is True


def test_tray_shows_alert_state(probe_report):
    assert probe_report["tray_state"] == "ALERT"


def test_log_file_written(probe_report):
    assert probe_report["log_file_written"] is True


def test_no_timeout(probe_report):
    assert "timed_out" not in probe_report
