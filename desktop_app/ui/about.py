"""The Help menu: the log folder, About Session Guard and About Qt."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QMessageBox, QWidget

from .. import APP_NAME, __version__

PROJECT_LICENCE = "MIT"
MAXMIND_URL = "https://www.maxmind.com"
CC_BY_SA_URL = "https://creativecommons.org/licenses/by-sa/4.0/"


def _tr(text: str) -> str:
    return QCoreApplication.translate("About", text)


def about_text() -> str:
    """Return the About box's rich text: version, licence and the GeoLite2 attribution.

    The demo server resolves locations with the GeoLite2 City database of the
    maxminddb-geolite2 package (built 2018-07-03), which MaxMind released under
    CC BY-SA 4.0 with this attribution.
    """
    paragraphs = [
        f"<h3>{html.escape(APP_NAME)} {html.escape(__version__)}</h3>",
        html.escape(_tr("Watches the devices signed in to your account and signs out the ones you do not know.")),
        html.escape(_tr("Released under the %1 licence.").replace("%1", PROJECT_LICENCE)),
        _tr("This product includes GeoLite2 data created by MaxMind, available from %1.").replace(
            "%1", f'<a href="{MAXMIND_URL}">{MAXMIND_URL}</a>'
        )
        + " "
        + _tr("The GeoLite2 data is licensed under %1.").replace(
            "%1", f'<a href="{CC_BY_SA_URL}">{html.escape(_tr("Creative Commons Attribution-ShareAlike 4.0"))}</a>'
        ),
    ]
    return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle(_tr("About %1").replace("%1", APP_NAME))
    box.setIcon(QMessageBox.Icon.Information)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_text())
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setAccessibleName(box.windowTitle())
    if parent.windowIcon() and not parent.windowIcon().isNull():
        box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    for label in box.findChildren(QWidget, "qt_msgbox_label"):
        label.setProperty("openExternalLinks", True)
    box.open()
    return box


def open_folder(folder: Path) -> bool:
    """Open `folder` in the desktop's file manager; return False when nothing could open it."""
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class HelpMenu(QMenu):
    """Help menu of the main window.

    `log_folder` is the folder that "Open log folder" shows; the action is disabled while it is None.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(_tr("&Help"), window)
        self.window_ = window
        self.log_folder: Path | None = None
        self.about_box: QMessageBox | None = None

        self.open_log_action = QAction(_tr("Open &log folder"), self)
        self.open_log_action.setObjectName("openLogFolder")
        self.open_log_action.setEnabled(False)
        self.open_log_action.triggered.connect(self._open_log_folder)
        self.addAction(self.open_log_action)
        self.addSeparator()

        self.about_action = QAction(_tr("&About %1").replace("%1", APP_NAME), self)
        self.about_action.setObjectName("aboutSessionGuard")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self._show_about)
        self.addAction(self.about_action)

        self.about_qt_action = QAction(_tr("About &Qt"), self)
        self.about_qt_action.setObjectName("aboutQt")
        self.about_qt_action.setMenuRole(QAction.MenuRole.AboutQtRole)
        self.about_qt_action.triggered.connect(QApplication.aboutQt)
        self.addAction(self.about_qt_action)

    def set_log_folder(self, folder: Path | None) -> None:
        self.log_folder = folder
        self.open_log_action.setEnabled(folder is not None)

    def _open_log_folder(self) -> None:
        if self.log_folder is not None and not open_folder(self.log_folder):
            QMessageBox.information(
                self.window_,
                _tr("Log folder"),
                _tr("No file manager could open the log folder. It is %1").replace("%1", str(self.log_folder)),
            )

    def _show_about(self) -> None:
        self.about_box = show_about(self.window_)
