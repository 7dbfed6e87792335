"""Colours that follow the light or dark palette, and the developer override of the colour scheme."""

from __future__ import annotations

import logging
import os

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from ..core import labels

log = logging.getLogger(__name__)

# Developer override for screenshots and tests on displays without a desktop theme,
# such as Xvfb: "light" or "dark" switches to the Fusion style with that palette.
COLOR_SCHEME_VARIABLE = "SESSION_GUARD_COLOR_SCHEME"

# Badge colours (background, text). Every pair has a WCAG 2 contrast ratio of at least
# 4.5:1, which tests/app/test_looks.py checks.
_LIGHT_BADGES = {
    labels.STATUS_CURRENT: ("#1967d2", "#ffffff"),
    labels.STATUS_ACTIVE_NOW: ("#137333", "#ffffff"),
    labels.STATUS_ACTIVE: ("#ceead6", "#0d652d"),
    labels.STATUS_INACTIVE: ("#e8eaed", "#3c4043"),
    labels.STATUS_UNFAMILIAR: ("#b06000", "#ffffff"),
}
_DARK_BADGES = {
    labels.STATUS_CURRENT: ("#8ab4f8", "#202124"),
    labels.STATUS_ACTIVE_NOW: ("#81c995", "#202124"),
    labels.STATUS_ACTIVE: ("#1e3a2a", "#a8dab5"),
    labels.STATUS_INACTIVE: ("#3c4043", "#e8eaed"),
    labels.STATUS_UNFAMILIAR: ("#fcad70", "#202124"),
}


def is_dark(palette: QPalette) -> bool:
    """Return True when the palette draws light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightness() < palette.color(QPalette.ColorRole.WindowText).lightness()


def badge_colours(status: str, palette: QPalette) -> tuple[QColor, QColor]:
    """Return the (background, text) colours of the badge for `status` on `palette`."""
    table = _DARK_BADGES if is_dark(palette) else _LIGHT_BADGES
    background, foreground = table.get(status, table[labels.STATUS_INACTIVE])
    return QColor(background), QColor(foreground)


def alert_banner_style(palette: QPalette) -> str:
    background, foreground = badge_colours(labels.STATUS_UNFAMILIAR, palette)
    return (
        f"QPushButton {{ background: {background.name()}; color: {foreground.name()}; font-weight: bold;"
        " padding: 8px; text-align: left; border: none; }"
    )


def relative_luminance(colour: QColor) -> float:
    """Return the WCAG 2 relative luminance of an sRGB colour, from 0 (black) to 1 (white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast_ratio(first: QColor, second: QColor) -> float:
    """Return the WCAG 2 contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def dark_palette() -> QPalette:
    """Return a dark Fusion palette."""
    palette = QPalette()
    # Fusion draws check boxes and menus on Base with an outline darker than Window.
    # Base is lighter than Window here, because a darker Base hid unchecked boxes.
    window, base, text = QColor("#202124"), QColor("#2d2e31"), QColor("#e8eaed")
    disabled = QColor("#80868b")
    highlight = QColor("#8ab4f8")
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor("#35363a")),
        (QPalette.ColorRole.ToolTipBase, QColor("#303134")),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, disabled),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, QColor("#303134")),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor("#ffffff")),
        (QPalette.ColorRole.Light, QColor("#3c4043")),
        (QPalette.ColorRole.Midlight, QColor("#303134")),
        (QPalette.ColorRole.Mid, QColor("#2a2b2e")),
        (QPalette.ColorRole.Dark, QColor("#101010")),
        (QPalette.ColorRole.Shadow, QColor("#000000")),
        (QPalette.ColorRole.Highlight, highlight),
        (QPalette.ColorRole.HighlightedText, QColor("#202124")),
        (QPalette.ColorRole.Link, highlight),
        (QPalette.ColorRole.LinkVisited, QColor("#c58af9")),
    ):
        palette.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply_color_scheme_override(app: QApplication) -> str | None:
    """Apply SESSION_GUARD_COLOR_SCHEME ("light" or "dark") if set; return the scheme applied.

    Without it the app keeps the style and palette of the desktop, which Qt updates
    when the system switches between light and dark.
    """
    scheme = os.environ.get(COLOR_SCHEME_VARIABLE, "").strip().lower()
    if not scheme:
        return None
    if scheme not in ("light", "dark"):
        log.warning("Ignoring %s=%r: expected light or dark", COLOR_SCHEME_VARIABLE, scheme)
        return None
    style = QStyleFactory.create("Fusion")
    app.setStyle(style)
    app.setPalette(dark_palette() if scheme == "dark" else style.standardPalette())
    log.info("Colour scheme set to %s by %s", scheme, COLOR_SCHEME_VARIABLE)
    return scheme
