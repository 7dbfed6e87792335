"""Filter field above the sessions table, with the count of rows it shows."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from .sessions_proxy import SessionsProxy


def _tr(text: str) -> str:
    return QCoreApplication.translate("SessionFilter", text)


class FilterField(QLineEdit):
    """Line edit whose Escape clears the text, or when already empty gives the focus to `escape_target`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.escape_target: QWidget | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            if self.text():
                self.clear()
            elif self.escape_target is not None:
                self.escape_target.setFocus(Qt.FocusReason.ShortcutFocusReason)
            event.accept()
            return
        super().keyPressEvent(event)


class SessionFilter(QWidget):
    """Filters `proxy` by a case-insensitive substring of the device, location or IP address."""

    def __init__(self, proxy: SessionsProxy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.proxy = proxy

        self.field = FilterField(self)
        self.field.setObjectName("sessionFilter")
        self.field.setPlaceholderText(_tr("Filter by device, location or IP"))
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName(_tr("Filter sessions"))
        self.field.setAccessibleDescription(
            _tr("Shows only the sessions whose device, location or IP address contains this text. Escape clears it.")
        )
        self.field.setMinimumWidth(240)
        self.field.textChanged.connect(self._on_text_changed)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("filterCount")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setAccessibleName(_tr("Sessions shown"))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.count_label)
        layout.addWidget(self.field)

        for signal in (proxy.rowsInserted, proxy.rowsRemoved, proxy.modelReset, proxy.layoutChanged):
            signal.connect(self.update_count)
        self.update_count()

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def _on_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self.update_count()

    def update_count(self) -> None:
        """Show "3 of 11 sessions" while the filter hides rows; the status bar counts all sessions."""
        filtering = bool(self.field.text().strip())
        if filtering:
            source = self.proxy.sourceModel()
            total = source.rowCount() if source is not None else 0
            self.count_label.setText(
                _tr("%1 of %2 sessions").replace("%1", str(self.proxy.rowCount())).replace("%2", str(total))
            )
        else:
            self.count_label.clear()
        self.count_label.setVisible(filtering)
