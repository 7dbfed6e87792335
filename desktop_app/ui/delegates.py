"""Delegates that paint the status badge and the row's "…" button from model roles."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionButton, QStyleOptionViewItem

from ..core import labels
from .looks import badge_colours
from .sessions_model import Role

class BadgeDelegate(QStyledItemDelegate):
    """Paints the status of `Role.STATUS` as a rounded badge with its text, so colour is never the only cue.

    The colours follow the light or dark palette of the view. Screen readers get the
    same text from the column's display and accessible text roles.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        status = index.data(Role.STATUS)
        if not status:
            super().paint(painter, option, index)
            return

        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else QApplication.style()
        option.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)

        background, foreground = badge_colours(status, option.palette)
        text = labels.status_text(status)
        metrics = option.fontMetrics
        width = metrics.horizontalAdvance(text) + 16
        height = metrics.height() + 6
        rect = QRect(option.rect.x() + 6, option.rect.center().y() - height // 2 + 1, width, height)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(foreground)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        text = labels.status_text(index.data(Role.STATUS) or "")
        return QSize(option.fontMetrics.horizontalAdvance(text) + 28, max(hint.height(), option.fontMetrics.height() + 12))


class ActionsDelegate(QStyledItemDelegate):
    """Paints a "…" button in each row and emits a menu request when it is clicked.

    sig_menu_requested(QModelIndex, QPoint): the index clicked and the global position
    under the button where the menu should open.
    """

    sig_menu_requested = Signal(QModelIndex, QPoint)

    BUTTON_TEXT = "…"

    def _button_rect(self, option: QStyleOptionViewItem) -> QRect:
        size = min(option.rect.height() - 4, 28)
        return QRect(option.rect.center().x() - size // 2, option.rect.center().y() - size // 2, size, size)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        style = option.widget.style() if option.widget else QApplication.style()
        base = QStyleOptionViewItem(option)
        self.initStyleOption(base, index)
        base.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, base, painter, option.widget)

        button = QStyleOptionButton()
        button.rect = self._button_rect(option)
        button.text = self.BUTTON_TEXT
        button.state = QStyle.StateFlag.State_Enabled
        if option.state & QStyle.StateFlag.State_MouseOver:
            button.state |= QStyle.StateFlag.State_MouseOver
        button.palette = option.palette
        button.palette.setColor(QPalette.ColorRole.ButtonText, option.palette.color(QPalette.ColorRole.Text))
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, option.widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(40, max(28, option.fontMetrics.height() + 12))

    def editorEvent(self, event: QEvent, model, option: QStyleOptionViewItem, index: QModelIndex) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            rect = self._button_rect(option)
            if event.button() == Qt.MouseButton.LeftButton and rect.contains(event.position().toPoint()):
                # option.rect is in viewport coordinates.
                view = option.widget
                viewport = view.viewport() if view is not None and hasattr(view, "viewport") else None
                anchor = viewport.mapToGlobal(rect.bottomLeft()) if viewport else event.globalPosition().toPoint()
                self.sig_menu_requested.emit(QModelIndex(index), anchor)
                return True
        return super().editorEvent(event, model, option, index)
