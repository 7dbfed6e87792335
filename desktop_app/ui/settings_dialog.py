"""The Settings dialog: checking interval, notifications, start-up and the account's idle timeout.

The dialog only shows and collects values. OK sends `sig_submitted`, and the
`SettingsController` saves, applies and closes, or shows an error and keeps it open.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QStyle,
    QVBoxLayout,
    QWidget,
)

# Seconds between checks offered in the dialog; the Account menu offers the same.
INTERVAL_CHOICES = (10.0, 30.0, 60.0, 300.0, 900.0)
# Days a session may stay idle, as `PATCH /account` accepts them.
SESSION_TTL_CHOICES = (7, 30, 90, 180, 365)


@dataclass(frozen=True)
class SettingsValues:
    poll_interval: float
    alerts_enabled: bool
    notify_ended_sessions: bool
    start_at_login: bool
    start_minimized: bool


class SettingsDialog(QDialog):
    """sig_submitted(): the user pressed OK; `values()` and `session_ttl()` hold the choices."""

    sig_submitted = Signal()

    def __init__(self, values: SettingsValues, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))

        self.form = QFormLayout()
        self._build_watching_rows(values)
        self._build_start_up_rows(values)
        self._build_account_row()

        self.message_label = QLabel(self)
        self.message_label.setObjectName("settingsMessage")
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)  # Messages may carry server text.
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName(self.tr("Settings message"))
        self.message_label.hide()
        self.error_icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.error_icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        self.error_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.error_icon.hide()
        message_row = QHBoxLayout()
        message_row.addWidget(self.error_icon)
        message_row.addWidget(self.message_label, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.sig_submitted)
        self.buttons.rejected.connect(self.reject)

        column = QVBoxLayout(self)
        column.addLayout(self.form)
        column.addLayout(message_row)
        column.addWidget(self.buttons)

    # Construction

    def _build_watching_rows(self, values: SettingsValues) -> None:
        self.interval_box = QComboBox(self)
        self.interval_box.setObjectName("intervalBox")
        self.interval_box.setAccessibleName(self.tr("Check for changes every"))
        for seconds in INTERVAL_CHOICES:
            self.interval_box.addItem(self._interval_text(seconds), seconds)
        self._select_interval(values.poll_interval)
        self._add_row(self.tr("&Check for changes every:"), self.interval_box)

        self.alerts_box = QCheckBox(self.tr("Notify me of &unfamiliar sign-ins"), self)
        self.alerts_box.setObjectName("alertsBox")
        self.alerts_box.setAccessibleName(self.tr("Notify me of unfamiliar sign-ins"))
        self.alerts_box.setToolTip(self.tr("Unfamiliar sign-ins stay marked in the list either way."))
        self.alerts_box.setChecked(values.alerts_enabled)
        self._add_row(self.tr("Notifications:"), self.alerts_box)

        self.ended_box = QCheckBox(self.tr("Notify me when a session is signed out &elsewhere"), self)
        self.ended_box.setObjectName("endedSessionsBox")
        self.ended_box.setAccessibleName(self.tr("Notify me when a session is signed out elsewhere"))
        self.ended_box.setToolTip(
            self.tr("A session ends when it is signed out on its device or from another one, or when it expires.")
        )
        self.ended_box.setChecked(values.notify_ended_sessions)
        self.form.addRow("", self.ended_box)

    def _build_start_up_rows(self, values: SettingsValues) -> None:
        self.start_at_login_box = QCheckBox(self.tr("Start Session Guard when I &log in"), self)
        self.start_at_login_box.setObjectName("startAtLoginBox")
        self.start_at_login_box.setAccessibleName(self.tr("Start Session Guard when I log in"))
        self.start_at_login_box.setChecked(values.start_at_login)
        self._add_row(self.tr("Start-up:"), self.start_at_login_box)

        self.start_minimized_box = QCheckBox(self.tr("Start &minimised in the system tray"), self)
        self.start_minimized_box.setObjectName("startMinimizedBox")
        self.start_minimized_box.setAccessibleName(self.tr("Start minimised in the system tray"))
        self.start_minimized_box.setToolTip(self.tr("Without a system tray the window opens anyway."))
        self.start_minimized_box.setChecked(values.start_minimized)
        self.form.addRow("", self.start_minimized_box)

    def _build_account_row(self) -> None:
        self.ttl_box = QComboBox(self)
        self.ttl_box.setObjectName("sessionTtlBox")
        self.ttl_box.setAccessibleName(self.tr("Automatically sign out sessions inactive for"))
        self.ttl_box.setAccessibleDescription(self.tr("Applies to every session of the account, on the server."))
        self.ttl_box.setToolTip(self.tr("Applies to every session of the account at once, including other devices."))
        self._add_row(self.tr("&Automatically sign out sessions inactive for:"), self.ttl_box)
        self.set_session_ttl(None)

    def _add_row(self, text: str, field: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(field)
        self.form.addRow(label, field)
        return label

    def _interval_text(self, seconds: float) -> str:
        if seconds >= 60 and seconds % 60 == 0:
            minutes = int(seconds // 60)
            return self.tr("1 minute") if minutes == 1 else self.tr("%1 minutes").replace("%1", str(minutes))
        return self.tr("%1 seconds").replace("%1", f"{seconds:g}")

    def _select_interval(self, seconds: float) -> None:
        index = self.interval_box.findData(seconds)
        if index < 0:
            # A value set outside the offered choices stays selectable as it is.
            self.interval_box.addItem(self._interval_text(seconds), seconds)
            index = self.interval_box.count() - 1
        self.interval_box.setCurrentIndex(index)

    # State set by the controller

    def set_session_ttl(self, days: int | None) -> None:
        """Show the account's idle timeout, or hide the row with None (signed out or not offered)."""
        visible = days is not None
        self.form.setRowVisible(self.ttl_box, visible)
        if not visible:
            return
        self.ttl_box.clear()
        for choice in SESSION_TTL_CHOICES:
            self.ttl_box.addItem(self._days_text(choice), choice)
        if days not in SESSION_TTL_CHOICES:
            # A server may use a value the API does not offer; it stays until the user picks another.
            self.ttl_box.addItem(self._days_text(days), days)
        self.ttl_box.setCurrentIndex(self.ttl_box.findData(days))

    def _days_text(self, days: int) -> str:
        return self.tr("1 day") if days == 1 else self.tr("%1 days").replace("%1", str(days))

    def session_ttl(self) -> int | None:
        """Return the chosen idle timeout in days, or None while the row is hidden."""
        if not self.form.isRowVisible(self.ttl_box):
            return None
        return self.ttl_box.currentData()

    def set_start_at_login(self, enabled: bool) -> None:
        self.start_at_login_box.setChecked(enabled)

    def set_busy(self, busy: bool) -> None:
        """Disable OK and the fields while a change is being saved on the server."""
        self.ok_button.setEnabled(not busy)
        for index in range(self.form.rowCount()):
            item = self.form.itemAt(index, QFormLayout.ItemRole.FieldRole)
            if item is not None and item.widget() is not None:
                item.widget().setEnabled(not busy)
        if busy:
            self.show_message(self.tr("Saving…"))

    def show_message(self, text: str) -> None:
        """Show a progress note below the fields; an empty text hides it."""
        self._set_message(text, error=False)

    def show_error(self, text: str) -> None:
        """Show an error with a warning icon below the fields."""
        self._set_message(text, error=True)

    def _set_message(self, text: str, error: bool) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))
        self.error_icon.setVisible(error and bool(text))
        self.message_label.setAccessibleDescription(self.tr("Error") if error else "")
        if text:
            self.adjustSize()

    def values(self) -> SettingsValues:
        return SettingsValues(
            poll_interval=float(self.interval_box.currentData()),
            alerts_enabled=self.alerts_box.isChecked(),
            notify_ended_sessions=self.ended_box.isChecked(),
            start_at_login=self.start_at_login_box.isChecked(),
            start_minimized=self.start_minimized_box.isChecked(),
        )
