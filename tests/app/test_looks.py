"""Badge colours for light and dark palettes, the colour scheme override and sharp SVG icons."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from desktop_app.api.models import SessionList
from desktop_app.core import labels
from desktop_app.ui import looks
from desktop_app.ui.icons import RESOURCES, icon
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.sessions_model import Column, SessionsModel

from .conftest import NOW, build_session

STATUSES = [labels.STATUS_CURRENT, labels.STATUS_ACTIVE_NOW, labels.STATUS_ACTIVE, labels.STATUS_INACTIVE, labels.STATUS_UNFAMILIAR]


def _light_palette() -> QPalette:
    return QStyleFactory.create("Fusion").standardPalette()


PALETTES = {"light": _light_palette, "dark": looks.dark_palette}


@pytest.fixture
def restore_palette(qapp):
    style_name, palette = qapp.style().name(), qapp.palette()
    yield
    qapp.setStyle(style_name)
    qapp.setPalette(palette)


def test_contrast_ratio_black_on_white():
    assert looks.contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)


@pytest.mark.parametrize("scheme", PALETTES)
@pytest.mark.parametrize("status", STATUSES)
def test_badge_text_contrast(qapp, scheme, status):
    background, text = looks.badge_colours(status, PALETTES[scheme]())
    assert looks.contrast_ratio(background, text) >= 4.5


@pytest.mark.parametrize("scheme, dark", [("light", False), ("dark", True)])
def test_palette_lightness_detected(qapp, scheme, dark):
    assert looks.is_dark(PALETTES[scheme]()) is dark


@pytest.mark.parametrize("scheme", PALETTES)
def test_alert_banner_contrast(qapp, scheme):
    background, text = looks.badge_colours(labels.STATUS_UNFAMILIAR, PALETTES[scheme]())
    style = looks.alert_banner_style(PALETTES[scheme]())
    assert f"background: {background.name()}; color: {text.name()}" in style


@pytest.mark.parametrize("scheme", PALETTES)
def test_delegate_paints_palette_badge(qtbot, qapp, restore_palette, scheme):
    qapp.setStyle("Fusion")
    qapp.setPalette(PALETTES[scheme]())
    model = SessionsModel(clock=lambda: NOW)
    model.apply(SessionList(sessions=(build_session("s1"),), server_time=NOW, etag='"x"'))
    window = MainWindow(model)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectionModel().clear()
    rect = window.table.visualRect(window.proxy.index(0, Column.STATUS))
    image = window.table.viewport().grab().toImage()
    sample = image.pixelColor(rect.x() + 10, rect.center().y())
    expected, _text = looks.badge_colours(labels.STATUS_ACTIVE, PALETTES[scheme]())
    assert sample.name() == expected.name()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_color_scheme_override(qapp, restore_palette, monkeypatch, scheme):
    monkeypatch.setenv(looks.COLOR_SCHEME_VARIABLE, scheme)
    looks.apply_color_scheme_override(qapp)
    assert looks.is_dark(qapp.palette()) is (scheme == "dark")


def test_color_scheme_override_unset(qapp, restore_palette, monkeypatch):
    monkeypatch.delenv(looks.COLOR_SCHEME_VARIABLE, raising=False)
    assert looks.apply_color_scheme_override(qapp) is None


@pytest.mark.parametrize("name", sorted(path.stem for path in RESOURCES.glob("*.svg")))
def test_icon_renders_at_device_pixel_ratio(qapp, name):
    pixmap = icon(name).pixmap(QSize(32, 32), 2.0)
    assert (pixmap.width(), pixmap.height(), pixmap.devicePixelRatio()) == (64, 64, 2.0)


@pytest.mark.parametrize("name", sorted(path.stem for path in RESOURCES.glob("*.svg")))
def test_icon_is_scalable(qapp, name):
    # The SVG icon engine reports no fixed sizes; a raster fallback would list the SVG's own size.
    assert icon(name).availableSizes() == []
