"""Start at login: an XDG autostart entry, a Windows Run value or a macOS LaunchAgent.

No Qt here. Each backend reports whether its entry exists, writes it and removes it.
Writing or removing raises `AutostartError` with a message for the user.
"""

from __future__ import annotations

import contextlib
import logging
import os
import plistlib
import subprocess
import sys
import xml.parsers.expat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from .. import APP_ID, APP_NAME
from ..i18n import translate

log = logging.getLogger(__name__)

MINIMIZED_FLAG = "--minimized"
RUN_KEY_PATH = r"Software\Microsoft\Windows\CurrentVersion\Run"

# Characters that make the Desktop Entry specification require a quoted Exec argument.
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
# Characters that must carry a backslash inside a quoted Exec argument.
_EXEC_QUOTED_ESCAPES = set('"`$\\')


class AutostartError(Exception):
    """Writing or removing the start-at-login entry failed; the message is for the user."""


def launch_command(
    argv0: str | None = None, executable: str | None = None, frozen: bool | None = None
) -> list[str]:
    """Return the command that starts this running copy of the app again.

    A frozen build (PyInstaller) is its own executable. `python -m desktop_app` runs
    `__main__.py`, which is started again the same way. An installed `session-guard`
    script is started by its absolute path; on Windows the launcher's name may lack ".exe".
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = sys.executable if executable is None else executable
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if frozen:
        return [str(Path(executable).resolve())]
    script = Path(argv0)
    if script.name == "__main__.py" and script.parent.name == "desktop_app":
        return [executable, "-m", "desktop_app"]
    if not script.exists() and Path(argv0 + ".exe").exists():
        script = Path(argv0 + ".exe")
    return [str(script.resolve())]


def with_flags(command: Sequence[str], minimized: bool) -> list[str]:
    return [*command, MINIMIZED_FLAG] if minimized else list(command)


# Linux and other XDG desktops


def quote_exec_argument(argument: str) -> str:
    """Quote one argument of a Desktop Entry `Exec` key, before the key's string escaping."""
    argument = argument.replace("%", "%%")
    if not argument or any(character in _EXEC_RESERVED for character in argument):
        escaped = "".join("\\" + c if c in _EXEC_QUOTED_ESCAPES else c for c in argument)
        return f'"{escaped}"'
    return argument


def escape_string_value(value: str) -> str:
    """Escape a Desktop Entry string value: backslash, newline, tab and carriage return."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def exec_value(command: Sequence[str]) -> str:
    """Return the `Exec` value for `command`, quoted and then escaped as the specification requires."""
    return escape_string_value(" ".join(quote_exec_argument(argument) for argument in command))


def xdg_config_home(environ: Mapping[str, str] | None = None) -> Path:
    """Return $XDG_CONFIG_HOME, or ~/.config when it is unset, empty or not absolute."""
    environ = os.environ if environ is None else environ
    configured = environ.get("XDG_CONFIG_HOME", "")
    if configured and os.path.isabs(configured):
        return Path(configured)
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / ".config"


class _FileAutostart:
    """Base of the start-at-login entries that are one file at `path`."""

    @property
    def path(self) -> Path:
        raise NotImplementedError

    def _write(self, data: bytes) -> None:
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
        except OSError as exc:
            raise _write_error(path, exc) from exc
        log.info("Start at login switched on: %s", path)

    def disable(self) -> None:
        path = self.path
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise _remove_error(path, exc) from exc
        log.info("Start at login switched off: %s removed", path)


class XdgAutostart(_FileAutostart):
    """An entry in $XDG_CONFIG_HOME/autostart, read at each login by freedesktop.org desktops."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ

    @property
    def path(self) -> Path:
        # Read at each use, so a changed XDG_CONFIG_HOME is followed.
        return xdg_config_home(self._environ) / "autostart" / f"{APP_ID}.desktop"

    def is_enabled(self) -> bool:
        """Return True when the entry exists and is not switched off with Hidden or X-GNOME-Autostart-enabled."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return False
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("Reading the autostart entry %s failed: %s", self.path, exc)
            return False
        keys = _desktop_entry_keys(text)
        if keys.get("Hidden", "").lower() == "true":
            return False
        return keys.get("X-GNOME-Autostart-enabled", "true").lower() != "false"

    def enable(self, command: Sequence[str]) -> None:
        entry = "\n".join(
            [
                "[Desktop Entry]",
                "Type=Application",
                f"Name={APP_NAME}",
                "Comment=Watch the devices signed in to your account",
                f"Exec={exec_value(command)}",
                f"Icon={APP_ID}",
                "Terminal=false",
                "X-GNOME-Autostart-enabled=true",
                "",
            ]
        )
        self._write(entry.encode("utf-8"))


def _desktop_entry_keys(text: str) -> dict[str, str]:
    """Return the keys and values of the [Desktop Entry] group; localised keys such as Name[de] stay as they are."""
    keys: dict[str, str] = {}
    in_group = False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            in_group = line == "[Desktop Entry]"
        elif in_group and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys[key.strip()] = value.strip()
    return keys


# macOS


class LaunchAgentAutostart(_FileAutostart):
    """A LaunchAgent property list in ~/Library/LaunchAgents, loaded by launchd at login."""

    def __init__(self, home: Path | None = None) -> None:
        self._home = home

    @property
    def path(self) -> Path:
        home = self._home or Path.home()
        return home / "Library" / "LaunchAgents" / f"{APP_ID}.plist"

    def is_enabled(self) -> bool:
        try:
            with self.path.open("rb") as file:
                agent = plistlib.load(file)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except (OSError, plistlib.InvalidFileException, ValueError, xml.parsers.expat.ExpatError) as exc:
            log.warning("Reading the launch agent %s failed: %s", self.path, exc)
            return False
        return isinstance(agent, dict) and agent.get("RunAtLoad") is True and agent.get("Disabled") is not True

    def enable(self, command: Sequence[str]) -> None:
        agent = {
            "Label": APP_ID,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
        self._write(plistlib.dumps(agent))


# Windows


class RunKey(Protocol):
    """The string values of HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run.

    Every method raises OSError when the registry call fails.
    """

    def read(self, name: str) -> str | None: ...

    def write(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None:
        """Delete the value; a missing value is not an error."""


class WinregRunKey:
    """`RunKey` over the Windows registry through `winreg`."""

    def read(self, name: str) -> str | None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY_PATH) as key:
                value, kind = winreg.QueryValueEx(key, name)
        except FileNotFoundError:
            return None
        return value if kind in (winreg.REG_SZ, winreg.REG_EXPAND_SZ) and isinstance(value, str) else None

    def write(self, name: str, value: str) -> None:
        import winreg

        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, RUN_KEY_PATH, 0, winreg.KEY_SET_VALUE) as key:
            winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY_PATH, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, name)
        except FileNotFoundError:
            pass


class RunKeyAutostart:
    """A value named after the app id in the current user's Run key."""

    def __init__(self, run_key: RunKey | None = None) -> None:
        self._run_key = run_key or WinregRunKey()

    @property
    def path(self) -> str:
        return rf"HKEY_CURRENT_USER\{RUN_KEY_PATH}\{APP_ID}"

    def is_enabled(self) -> bool:
        try:
            return bool(self._run_key.read(APP_ID))
        except OSError as exc:
            log.warning("Reading %s failed: %s", self.path, exc)
            return False

    def enable(self, command: Sequence[str]) -> None:
        # list2cmdline quotes by the rules of the Microsoft C runtime, which Windows programs parse with.
        try:
            self._run_key.write(APP_ID, subprocess.list2cmdline(list(command)))
        except OSError as exc:
            raise _write_error(self.path, exc) from exc
        log.info("Start at login switched on: %s", self.path)

    def disable(self) -> None:
        try:
            self._run_key.delete(APP_ID)
        except OSError as exc:
            raise _remove_error(self.path, exc) from exc
        log.info("Start at login switched off: %s removed", self.path)


class Autostart(Protocol):
    path: Path | str

    def is_enabled(self) -> bool: ...

    def enable(self, command: Sequence[str]) -> None: ...

    def disable(self) -> None: ...


def for_platform(platform: str | None = None) -> Autostart:
    """Return the backend for `platform` (a `sys.platform` value; default: this computer's)."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return RunKeyAutostart()
    if platform == "darwin":
        return LaunchAgentAutostart()
    return XdgAutostart()


# Shared


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


def _write_error(where: Path | str, exc: OSError) -> AutostartError:
    log.warning("Writing the start-at-login entry %s failed: %s", where, exc)
    if isinstance(exc, (FileExistsError, NotADirectoryError)) and isinstance(where, Path):
        # mkdir and open report a file where a folder of the path should be this way.
        reason = translate("Autostart", "a file is in the place of a folder on that path")
    else:
        reason = exc.strerror or str(exc)
    return AutostartError(
        translate("Autostart", "Could not write the start-at-login entry {path}: {reason}.").format(path=where, reason=reason)
    )


def _remove_error(where: Path | str, exc: OSError) -> AutostartError:
    log.warning("Removing the start-at-login entry %s failed: %s", where, exc)
    reason = exc.strerror or str(exc)
    return AutostartError(
        translate("Autostart", "Could not remove the start-at-login entry {path}: {reason}.").format(path=where, reason=reason)
    )
