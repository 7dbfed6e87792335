"""The PyInstaller build of the desktop app, its Linux install layout and its desktop files.

The build takes a minute or more, so the tests that need it carry the `slow` marker:
they run in `./dev test` and CI, and `-m "not slow"` deselects them. The built app runs
with HOME, the XDG folders and TMPDIR in a new temporary folder and without the D-Bus
session bus, so it uses no settings, data or keyring of the user running the tests.

Locally the tests skip when PyInstaller, Xvfb, xwininfo, desktop-file-validate or
appstreamcli is missing; with CI=true they fail instead, because CI must run them.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_app import APP_ID, APP_NAME, __version__

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "session-guard.spec"
LINUX = ROOT / "packaging" / "linux"
INSTALL_SCRIPT = LINUX / "install.sh"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO_FILE = LINUX / f"{APP_ID}.metainfo.xml"

# Upper bounds for waiting, not expectations: CI machines can be slow.
BUILD_TIMEOUT_SECONDS = 1800
DEMO_START_TIMEOUT_SECONDS = 120
EXIT_TIMEOUT_SECONDS = 30

# Log lines of desktop_app/app.py and desktop_app/demo.py.
STARTED_LINE = f"{APP_NAME} {__version__} started"
DEMO_SERVER_LINE = "Demo server running at http://127.0.0.1:"


def _require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{binary} is not installed; ./dev test must install it")
        pytest.skip(f"{binary} is not installed")
    return path


def _clean_environment(home: Path, display: str | None = None) -> dict[str, str]:
    """Return the environment for a run of the built app in the empty folder `home`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("XDG_", "DBUS_", "WAYLAND_", "QT_", "PYTHON")) and name != "DISPLAY"
    }
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / "config",
        "XDG_DATA_HOME": home / "data",
        "XDG_CACHE_HOME": home / "cache",
        "XDG_STATE_HOME": home / "state",
        "XDG_RUNTIME_DIR": home / "runtime",
        "TMPDIR": home / "tmp",
    }
    for name, folder in folders.items():
        folder.mkdir(mode=0o700, exist_ok=True)
        env[name] = str(folder)
    if display is not None:
        env["DISPLAY"] = display
        env["QT_QPA_PLATFORM"] = "xcb"
    return env


@pytest.fixture(scope="module")
def built_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build packaging/session-guard.spec and return the one-folder app."""
    if importlib.util.find_spec("PyInstaller") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PyInstaller is not installed; the test extra must include it")
        pytest.skip("PyInstaller is not installed")
    work = tmp_path_factory.mktemp("pyinstaller")
    # PyInstaller's cache goes to the temporary folder too, not to ~/.cache.
    env = {**os.environ, "PYINSTALLER_CONFIG_DIR": str(work / "config")}
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(SPEC),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS)
    assert result.returncode == 0, result.stderr[-5000:]
    return work / "dist" / "session-guard"


@pytest.fixture(scope="module")
def executable(built_app: Path) -> Path:
    return built_app / "session-guard"


def _run_app(executable: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # No DISPLAY: --version and --help must print and exit without starting Qt.
    return subprocess.run(
        [str(executable), *args], env=_clean_environment(home), capture_output=True, text=True, timeout=EXIT_TIMEOUT_SECONDS
    )


@pytest.mark.slow
def test_version_exits_zero(executable, tmp_path):
    assert _run_app(executable, tmp_path, "--version").returncode == 0


@pytest.mark.slow
def test_version_prints_name_and_version(executable, tmp_path):
    assert _run_app(executable, tmp_path, "--version").stdout == f"session-guard {__version__}\n"


@pytest.mark.slow
def test_help_exits_zero(executable, tmp_path):
    assert _run_app(executable, tmp_path, "--help").returncode == 0


@pytest.mark.slow
def test_help_prints_usage(executable, tmp_path):
    assert _run_app(executable, tmp_path, "--help").stdout.startswith("usage: session-guard ")


# --- The demo under Xvfb ---


@pytest.fixture(scope="module")
def x_display():
    xvfb = _require("Xvfb")
    _require("xwininfo")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"], pass_fds=(write_fd,)
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as display_pipe:
        display = ":" + display_pipe.readline().strip()
    yield display
    server.terminate()
    server.wait(10)


def _main_window_viewable(display: str) -> bool:
    """Return True when a window with WM_CLASS ("session-guard", "Session Guard") is mapped and viewable."""
    env = {**os.environ, "DISPLAY": display}
    tree = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True, timeout=10).stdout
    pattern = re.compile(rf'^\s*(0x[0-9a-f]+) .*\("session-guard" "{re.escape(APP_NAME)}"\)', re.MULTILINE)
    for window_id in pattern.findall(tree):
        info = subprocess.run(["xwininfo", "-id", window_id], env=env, capture_output=True, text=True, timeout=10).stdout
        if "Map State: IsViewable" in info:
            return True
    return False


@dataclass
class DemoRun:
    output: str
    window_viewable: bool
    exit_code: int | None  # None when the app did not exit within EXIT_TIMEOUT_SECONDS of SIGTERM
    temporary_files: list[str]


@pytest.fixture(scope="module")
def demo_run(executable: Path, x_display: str, tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """Start `session-guard --demo`, wait until its demo server runs and its window shows, then send SIGTERM."""
    home = tmp_path_factory.mktemp("demo-home")
    env = _clean_environment(home, x_display)
    output_path = home / "output.log"
    with output_path.open("w") as output:
        process = subprocess.Popen([str(executable), "--demo"], env=env, cwd=home, stdout=output, stderr=subprocess.STDOUT)

    window_viewable = False
    deadline = time.monotonic() + DEMO_START_TIMEOUT_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        window_viewable = window_viewable or _main_window_viewable(x_display)
        if window_viewable and DEMO_SERVER_LINE in output_path.read_text(errors="replace"):
            break
        time.sleep(0.5)

    exit_code: int | None
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        exit_code = process.wait(EXIT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        exit_code = None
    return DemoRun(
        output=output_path.read_text(errors="replace"),
        window_viewable=window_viewable,
        exit_code=exit_code,
        temporary_files=sorted(path.name for path in (home / "tmp").iterdir()),
    )


@pytest.mark.slow
def test_demo_logs_start(demo_run):
    assert STARTED_LINE in demo_run.output, demo_run.output[-3000:]


@pytest.mark.slow
def test_demo_starts_server(demo_run):
    assert DEMO_SERVER_LINE in demo_run.output, demo_run.output[-3000:]


@pytest.mark.slow
def test_demo_shows_window(demo_run):
    assert demo_run.window_viewable is True


@pytest.mark.slow
def test_demo_exits_zero_on_sigterm(demo_run):
    assert demo_run.exit_code == 0, demo_run.output[-3000:]


@pytest.mark.slow
def test_demo_output_has_no_traceback(demo_run):
    assert "Traceback" not in demo_run.output, demo_run.output[-3000:]


@pytest.mark.slow
def test_demo_removes_its_folder(demo_run):
    assert [name for name in demo_run.temporary_files if name.startswith("session-guard-demo-")] == []


# --- packaging/linux/install.sh ---

INSTALLED_FILES = [
    "bin/session-guard",
    "lib/session-guard/session-guard",
    f"share/applications/{APP_ID}.desktop",
    f"share/metainfo/{APP_ID}.metainfo.xml",
    f"share/icons/hicolor/scalable/apps/{APP_ID}.svg",
    f"share/icons/hicolor/symbolic/apps/{APP_ID}-symbolic.svg",
]


@pytest.fixture(scope="module")
def install_result(built_app: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    prefix = tmp_path_factory.mktemp("prefix")
    result = subprocess.run(
        [str(INSTALL_SCRIPT), str(prefix), str(built_app)], capture_output=True, text=True, timeout=EXIT_TIMEOUT_SECONDS * 4
    )
    return prefix, result


@pytest.fixture(scope="module")
def prefix(install_result) -> Path:
    return install_result[0]


@pytest.mark.slow
def test_install_exits_zero(install_result):
    _prefix, result = install_result
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("relative_path", INSTALLED_FILES)
def test_install_creates_file(prefix, relative_path):
    assert (prefix / relative_path).is_file()


@pytest.mark.slow
def test_install_links_command_relatively(prefix):
    assert os.readlink(prefix / "bin" / "session-guard") == "../lib/session-guard/session-guard"


@pytest.mark.slow
def test_installed_command_prints_version(prefix, tmp_path):
    result = _run_app(prefix / "bin" / "session-guard", tmp_path, "--version")
    assert result.stdout == f"session-guard {__version__}\n", result.stderr


@pytest.mark.slow
def test_installed_icon_is_app_icon(prefix):
    installed = prefix / f"share/icons/hicolor/scalable/apps/{APP_ID}.svg"
    assert installed.read_bytes() == (ROOT / "desktop_app" / "resources" / "app.svg").read_bytes()


@pytest.mark.slow
def test_installed_tree_passes_appstream(prefix):
    appstreamcli = _require("appstreamcli")
    result = subprocess.run([appstreamcli, "validate-tree", "--no-net", str(prefix)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_install_without_build_fails(tmp_path):
    result = subprocess.run(
        [str(INSTALL_SCRIPT), str(tmp_path / "prefix"), str(tmp_path / "missing")], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1, result.stderr


# --- The desktop files themselves ---


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_passes_validator():
    validator = _require("desktop-file-validate")
    result = subprocess.run([validator, str(DESKTOP_FILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_file_has_no_hints():
    validator = _require("desktop-file-validate")
    result = subprocess.run([validator, str(DESKTOP_FILE)], capture_output=True, text=True, timeout=60)
    assert result.stdout + result.stderr == ""


def test_metainfo_passes_validator():
    appstreamcli = _require("appstreamcli")
    result = subprocess.run([appstreamcli, "validate", "--no-net", str(METAINFO_FILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_file_icon_is_app_id():
    assert _desktop_entry()["Icon"] == APP_ID


def test_desktop_file_runs_command():
    assert _desktop_entry()["Exec"] == "session-guard"


def test_desktop_file_matches_window_class():
    # Qt on X11 sets the WM_CLASS class to the application name.
    assert _desktop_entry()["StartupWMClass"] == APP_NAME


def test_metainfo_id_is_app_id():
    assert ElementTree.parse(METAINFO_FILE).getroot().findtext("id") == APP_ID


def test_metainfo_launches_desktop_file():
    assert ElementTree.parse(METAINFO_FILE).getroot().findtext("launchable") == DESKTOP_FILE.name


def test_metainfo_newest_release_is_app_version():
    release = ElementTree.parse(METAINFO_FILE).getroot().find("releases/release")
    assert release is not None
    assert release.get("version") == __version__
