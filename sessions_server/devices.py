"""Device description from a User-Agent string and User-Agent client hints."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import ua_parser

logger = logging.getLogger(__name__)

# Only this many leading characters of a User-Agent are stored or parsed.
USER_AGENT_MAX_CHARS = 512
_HINT_MAX_CHARS = 128

_BROWSER_FAMILIES = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
}
_OS_FAMILIES = {"Mac OS X": "macOS"}
_DESKTOP_OS = {
    "Windows", "macOS", "Linux", "Chrome OS", "ChromeOS", "Ubuntu", "Debian", "Fedora",
    "Red Hat", "SUSE", "openSUSE", "Arch Linux", "Linux Mint", "Gentoo", "Mandriva",
    "FreeBSD", "OpenBSD", "NetBSD", "Solaris",
}
# A leading product token such as "SessionGuard/0.1.0".
_PRODUCT_TOKEN_RE = re.compile(r"([A-Za-z][A-Za-z0-9_.-]{0,63})/([0-9]+(?:\.[0-9]+){0,3})")
# Chrome's reduced User-Agent sends "Android 10; K" whatever the real version and model.
_REDUCED_ANDROID_MODEL = "K"


@dataclass(frozen=True)
class Device:
    browser: str | None = None
    browser_version: str | None = None
    os: str | None = None
    os_version: str | None = None
    device_type: str = "unknown"
    model: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def truncate_user_agent(user_agent: str | None) -> str:
    """Cap the User-Agent and recover UTF-8 text from a header decoded as Latin-1.

    HTTP header values arrive decoded as Latin-1; bytes that form valid UTF-8 are
    read as UTF-8 instead, so "Ünïcødé" is not shown as "Ãœ…".
    """
    full = user_agent or ""
    text = full[: USER_AGENT_MAX_CHARS * 4]
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return text[:USER_AGENT_MAX_CHARS]
    # When the cut above split the last UTF-8 character, up to 3 trailing bytes may go.
    droppable = 3 if len(full) > len(text) else 0
    for end in range(len(raw), len(raw) - droppable - 1, -1):
        try:
            return raw[:end].decode("utf-8")[:USER_AGENT_MAX_CHARS]
        except UnicodeDecodeError:
            continue
    return text[:USER_AGENT_MAX_CHARS]


def warm_up() -> None:
    """Load the parser's rules now, so the first request does not pay for it."""
    ua_parser.parse("Mozilla/5.0")


def describe_device(user_agent: str | None, client_hints: Mapping[str, str] | None = None) -> Device:
    """Describe the device behind a request.

    `client_hints` maps lower-case Sec-CH-UA-* header names to their raw values.
    Frozen or reduced version numbers in the User-Agent are reported as None.
    """
    ua = truncate_user_agent(user_agent)
    hints = {k.lower(): _unquote(v) for k, v in (client_hints or {}).items()}
    if not ua.strip():
        return Device()

    result = ua_parser.parse(ua)
    browser, browser_version = _browser(result, ua)
    os_name = _OS_FAMILIES.get(result.os.family, result.os.family) if result.os else None
    if os_name == "Other":
        os_name = None
    reduced_android = (
        os_name == "Android" and result.device is not None and result.device.model == _REDUCED_ANDROID_MODEL
    )
    os_version = _os_version(os_name, result.os, reduced_android, hints.get("sec-ch-ua-platform-version"))
    model = _model(result.device, reduced_android, hints.get("sec-ch-ua-model"))
    device_type = _device_type(result, os_name, ua, hints.get("sec-ch-ua-mobile"))
    return Device(browser, browser_version, os_name, os_version, device_type, model)


def _unquote(value: str) -> str:
    """Return a structured-field string hint ('"13.0.0"') without its quotes."""
    value = value[:_HINT_MAX_CHARS].strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value


def _browser(result: ua_parser.Result, ua: str) -> tuple[str | None, str | None]:
    agent = result.user_agent
    if agent is not None and agent.family != "Other":
        return _BROWSER_FAMILIES.get(agent.family, agent.family), agent.major
    match = _PRODUCT_TOKEN_RE.match(ua)
    if match and match.group(1) != "Mozilla":
        return match.group(1), match.group(2)
    return None, None


def _os_version(
    os_name: str | None, os: ua_parser.OS | None, reduced_android: bool, platform_version: str | None
) -> str | None:
    hint_major = _major(platform_version)
    if os_name == "Windows":
        # Windows 10 and 11 both send "Windows NT 10.0"; only the platform-version hint distinguishes them.
        if hint_major is not None and hint_major >= 13:
            return "11"
        if hint_major is not None and 1 <= hint_major <= 10:
            return "10"
        if os is not None and os.major not in (None, "10"):
            return os.major
        return None
    if os_name == "Android":
        if hint_major is not None and hint_major > 0:
            return str(hint_major)
        return None if reduced_android else _join_version(os)
    if os_name == "macOS":
        if hint_major is not None and hint_major > 0:
            return _trim_version(platform_version or "")
        # Safari, Chrome and Firefox freeze macOS at 10.15(.7) from macOS 11 on.
        if os is not None and os.major == "10" and os.minor == "15":
            return None
        return _join_version(os)
    if os_name is None:
        return None
    return _join_version(os)


def _model(device: ua_parser.Device | None, reduced_android: bool, model_hint: str | None) -> str | None:
    if model_hint:
        return model_hint
    if device is None or reduced_android or device.brand == "Spider":
        return None
    # ua-parser names some generic devices by their class ("Smartphone" for Firefox
    # on Android), which only repeat the device type.
    if device.model in (None, "", "Other", "Smartphone", "Tablet", "Generic Smartphone", "Generic Tablet"):
        return None
    return device.model


def _device_type(result: ua_parser.Result, os_name: str | None, ua: str, mobile_hint: str | None) -> str:
    device = result.device
    if device is not None and (device.family == "Spider" or device.brand == "Spider"):
        return "bot"
    if mobile_hint == "?1":
        return "mobile"
    if "iPad" in ua or (device is not None and device.brand == "Generic_Android_Tablet"):
        return "tablet"
    if "iPhone" in ua or "iPod" in ua:
        return "mobile"
    if os_name == "Android":
        return "mobile" if "Mobile" in ua else "tablet"
    if os_name in _DESKTOP_OS or "X11" in ua:
        return "desktop"
    return "unknown"


def _major(version: str | None) -> int | None:
    if not version:
        return None
    head = version.split(".", 1)[0]
    return int(head) if head.isascii() and head.isdigit() and len(head) <= 4 else None


def _join_version(os: ua_parser.OS | None) -> str | None:
    """Return "major.minor.patch", stopping at the first missing part."""
    if os is None:
        return None
    parts: list[str] = []
    for part in (os.major, os.minor, os.patch):
        if part is None:
            break
        parts.append(part)
    return ".".join(parts) or None


def _trim_version(version: str) -> str:
    """Return a dotted version without trailing `.0` parts ("15.1.0" -> "15.1")."""
    parts = version.split(".")
    while len(parts) > 1 and parts[-1] == "0":
        parts.pop()
    return ".".join(parts)
