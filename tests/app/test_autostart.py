"""Start at login on each platform, in temporary home folders and a fake Windows registry."""

from __future__ import annotations

import plistlib
import re
import sys
from pathlib import Path

import pytest

from desktop_app.core import autostart
from desktop_app.core.autostart import (
    APP_ID,
    AutostartError,
    LaunchAgentAutostart,
    RunKeyAutostart,
    XdgAutostart,
    exec_value,
    launch_command,
    with_flags,
)

COMMAND = ["/opt/session guard/bin/session-guard"]


def _parse_exec(value: str) -> list[str]:
    """Split an Exec value as the Desktop Entry specification defines it."""
    string_escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    unescaped = re.sub(r"\\(.)", lambda match: string_escapes[match.group(1)], value)
    arguments: list[str] = []
    current: list[str] | None = None
    quoted = False
    characters = iter(unescaped)
    for character in characters:
        if quoted:
            if character == "\\":
                current.append(next(characters))
            elif character == '"':
                quoted = False
            else:
                current.append(character)
        elif character == " ":
            if current is not None:
                arguments.append("".join(current))
                current = None
        else:
            current = current if current is not None else []
            if character == '"':
                quoted = True
            else:
                current.append(character)
    if current is not None:
        arguments.append("".join(current))
    return [argument.replace("%%", "%") for argument in arguments]


def _entry_keys(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


# Linux


@pytest.fixture
def config_home(tmp_path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def xdg(config_home) -> XdgAutostart:
    return XdgAutostart({"XDG_CONFIG_HOME": str(config_home), "HOME": "/nonexistent"})


def test_xdg_path_under_config_home(xdg, config_home):
    assert xdg.path == config_home / "autostart" / f"{APP_ID}.desktop"


def test_xdg_path_defaults_to_dot_config(tmp_path):
    assert XdgAutostart({"HOME": str(tmp_path)}).path == tmp_path / ".config" / "autostart" / f"{APP_ID}.desktop"


def test_xdg_relative_config_home_ignored(tmp_path):
    entry = XdgAutostart({"XDG_CONFIG_HOME": "relative/config", "HOME": str(tmp_path)})
    assert entry.path.parent == tmp_path / ".config" / "autostart"


def test_xdg_enable_writes_entry(xdg):
    xdg.enable(COMMAND)
    assert xdg.is_enabled()


def test_xdg_entry_is_application(xdg):
    xdg.enable(COMMAND)
    keys = _entry_keys(xdg.path)
    assert (keys["Type"], keys["Name"]) == ("Application", "Session Guard")


def test_xdg_exec_with_minimized(xdg):
    xdg.enable(with_flags(COMMAND, minimized=True))
    assert _parse_exec(_entry_keys(xdg.path)["Exec"]) == [*COMMAND, "--minimized"]


def test_xdg_exec_without_minimized(xdg):
    xdg.enable(with_flags(COMMAND, minimized=False))
    assert _parse_exec(_entry_keys(xdg.path)["Exec"]) == COMMAND


def test_xdg_exec_quotes_path_with_space(xdg):
    xdg.enable(COMMAND)
    assert _entry_keys(xdg.path)["Exec"] == '"/opt/session guard/bin/session-guard"'


@pytest.mark.parametrize(
    "path",
    [
        "/home/ann/bin/session-guard",
        "/home/ann/100% sure/session-guard",
        '/home/ann/"quoted"/session-guard',
        "/home/ann/back\\slash/session-guard",
        "/home/ann/$HOME/`cmd`/session-guard",
        "/home/ann/tab\there;&|<>~*?#()'/session-guard",
        "/home/ann/new\nline/session-guard",
        "/home/ann/Ünïcode/session-guard",
    ],
)
def test_exec_value_round_trips(path):
    command = [path, "--minimized"]
    assert _parse_exec(exec_value(command)) == command


def test_exec_value_doubles_percent():
    assert exec_value(["/opt/100%/app"]) == "/opt/100%%/app"


def test_exec_value_quadruples_backslash_in_quotes():
    assert exec_value(["/opt/a\\b"]) == '"/opt/a\\\\\\\\b"'


def test_xdg_disable_removes_entry(xdg):
    xdg.enable(COMMAND)
    xdg.disable()
    assert not xdg.path.exists()


def test_xdg_disable_without_entry_succeeds(xdg):
    xdg.disable()
    assert not xdg.is_enabled()


def test_xdg_hidden_entry_not_enabled(xdg):
    xdg.path.parent.mkdir(parents=True)
    xdg.path.write_text("[Desktop Entry]\nType=Application\nExec=session-guard\nHidden=true\n", encoding="utf-8")
    assert not xdg.is_enabled()


def test_xdg_gnome_disabled_entry_not_enabled(xdg):
    xdg.path.parent.mkdir(parents=True)
    xdg.path.write_text("[Desktop Entry]\nExec=session-guard\nX-GNOME-Autostart-enabled=false\n", encoding="utf-8")
    assert not xdg.is_enabled()


def test_xdg_unwritable_folder_raises(xdg, config_home):
    # A file where the autostart folder should be cannot be written into, even by root.
    config_home.mkdir()
    (config_home / "autostart").write_text("not a folder", encoding="utf-8")
    with pytest.raises(AutostartError, match="Could not write the start-at-login entry"):
        xdg.enable(COMMAND)


def test_xdg_failed_write_leaves_no_entry(xdg, config_home):
    config_home.mkdir()
    (config_home / "autostart").write_text("not a folder", encoding="utf-8")
    with pytest.raises(AutostartError):
        xdg.enable(COMMAND)
    assert not xdg.is_enabled()


def test_xdg_enable_replaces_entry(xdg):
    xdg.enable(with_flags(COMMAND, minimized=True))
    xdg.enable(with_flags(COMMAND, minimized=False))
    assert _parse_exec(_entry_keys(xdg.path)["Exec"]) == COMMAND


def test_xdg_enable_leaves_no_temporary_file(xdg):
    xdg.enable(COMMAND)
    assert sorted(path.name for path in xdg.path.parent.iterdir()) == [f"{APP_ID}.desktop"]


# macOS


@pytest.fixture
def launch_agent(tmp_path) -> LaunchAgentAutostart:
    return LaunchAgentAutostart(home=tmp_path)


def test_launch_agent_path(launch_agent, tmp_path):
    assert launch_agent.path == tmp_path / "Library" / "LaunchAgents" / f"{APP_ID}.plist"


def test_launch_agent_enable_writes_plist(launch_agent):
    launch_agent.enable(with_flags(COMMAND, minimized=True))
    with launch_agent.path.open("rb") as file:
        agent = plistlib.load(file)
    assert agent == {
        "Label": APP_ID,
        "ProgramArguments": [*COMMAND, "--minimized"],
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }


def test_launch_agent_enabled_after_enable(launch_agent):
    launch_agent.enable(COMMAND)
    assert launch_agent.is_enabled()


def test_launch_agent_disable_removes_plist(launch_agent):
    launch_agent.enable(COMMAND)
    launch_agent.disable()
    assert not launch_agent.path.exists()


def test_launch_agent_disabled_key_not_enabled(launch_agent):
    launch_agent.path.parent.mkdir(parents=True)
    launch_agent.path.write_bytes(plistlib.dumps({"Label": APP_ID, "RunAtLoad": True, "Disabled": True}))
    assert not launch_agent.is_enabled()


def test_launch_agent_damaged_plist_not_enabled(launch_agent):
    launch_agent.path.parent.mkdir(parents=True)
    launch_agent.path.write_bytes(b"<plist><dict><key>Label")
    assert not launch_agent.is_enabled()


def test_launch_agent_unwritable_folder_raises(launch_agent, tmp_path):
    (tmp_path / "Library").mkdir()
    (tmp_path / "Library" / "LaunchAgents").write_text("not a folder", encoding="utf-8")
    with pytest.raises(AutostartError):
        launch_agent.enable(COMMAND)


# Windows


class FakeRunKey:
    """The Run key as a dict; `failure` makes every call raise it."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.failure: OSError | None = None

    def _check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def read(self, name: str) -> str | None:
        self._check()
        return self.values.get(name)

    def write(self, name: str, value: str) -> None:
        self._check()
        self.values[name] = value

    def delete(self, name: str) -> None:
        self._check()
        self.values.pop(name, None)


@pytest.fixture
def run_key() -> FakeRunKey:
    return FakeRunKey()


def test_run_key_enable_writes_quoted_command(run_key):
    RunKeyAutostart(run_key).enable([r"C:\Program Files\Session Guard\session-guard.exe", "--minimized"])
    assert run_key.values == {APP_ID: r'"C:\Program Files\Session Guard\session-guard.exe" --minimized'}


def test_run_key_enabled_after_enable(run_key):
    entry = RunKeyAutostart(run_key)
    entry.enable([r"C:\SessionGuard\session-guard.exe"])
    assert entry.is_enabled()


def test_run_key_disable_deletes_value(run_key):
    entry = RunKeyAutostart(run_key)
    entry.enable([r"C:\SessionGuard\session-guard.exe"])
    entry.disable()
    assert run_key.values == {}


def test_run_key_disable_without_value_succeeds(run_key):
    entry = RunKeyAutostart(run_key)
    entry.disable()
    assert not entry.is_enabled()


def test_run_key_write_failure_raises(run_key):
    run_key.failure = PermissionError(5, "Access is denied")
    with pytest.raises(AutostartError, match="Access is denied"):
        RunKeyAutostart(run_key).enable([r"C:\SessionGuard\session-guard.exe"])


def test_run_key_read_failure_not_enabled(run_key):
    run_key.failure = PermissionError(5, "Access is denied")
    assert not RunKeyAutostart(run_key).is_enabled()


# Choosing the backend and the command


@pytest.mark.parametrize(
    "platform, backend",
    [("linux", XdgAutostart), ("freebsd14", XdgAutostart), ("darwin", LaunchAgentAutostart), ("win32", RunKeyAutostart)],
)
def test_backend_for_platform(platform, backend):
    assert isinstance(autostart.for_platform(platform), backend)


def test_launch_command_frozen_uses_executable(tmp_path):
    executable = tmp_path / "SessionGuard"
    assert launch_command("ignored", str(executable), frozen=True) == [str(executable)]


def test_launch_command_module_uses_python(tmp_path):
    main = tmp_path / "desktop_app" / "__main__.py"
    assert launch_command(str(main), "/usr/bin/python3", frozen=False) == ["/usr/bin/python3", "-m", "desktop_app"]


def test_launch_command_script_made_absolute(tmp_path, monkeypatch):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "session-guard").write_text("#!/bin/sh\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert launch_command("bin/session-guard", sys.executable, frozen=False) == [str(tmp_path / "bin" / "session-guard")]


def test_launch_command_finds_windows_launcher(tmp_path):
    (tmp_path / "session-guard.exe").write_bytes(b"MZ")
    command = launch_command(str(tmp_path / "session-guard"), sys.executable, frozen=False)
    assert command == [str(tmp_path / "session-guard.exe")]

