"""Pane with everything known about the selected session."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from ..core import labels

if TYPE_CHECKING:  # The API records load with the client, after the window shows.
    from ..api.models import Session


def _local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


class DetailsPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Session details"))
        self.setAccessibleDescription(self.tr("Everything known about the selected session, as read-only fields."))
        self._layout = QFormLayout(self)
        self._fields: dict[str, QLineEdit] = {}
        rows = [
            ("device", self.tr("Device")),
            ("device_type", self.tr("Device type")),
            ("ip", self.tr("IP address")),
            ("location", self.tr("Location")),
            ("created", self.tr("First sign-in")),
            ("last_active", self.tr("Last active")),
            ("methods", self.tr("Sign-in methods")),
            ("user_agent", self.tr("User-Agent")),
            ("id", self.tr("Session ID")),
        ]
        for key, title in rows:
            # Read-only line edits show attacker-controlled text (User-Agent, model) as
            # plain text, never as HTML, and scroll long values instead of widening the window.
            value = QLineEdit()
            value.setObjectName(f"details_{key}")
            value.setReadOnly(True)
            value.setFrame(False)
            value.setAccessibleName(title)
            self._layout.addRow(f"{title}:", value)
            self._fields[key] = value
        # Tab order and setFocus() on the pane reach its first field.
        self.setFocusProxy(self._fields["device"])
        self.show_session(None)

    def focus_first_field(self) -> None:
        self._fields["device"].setFocus()

    def value(self, key: str) -> str:
        return self._fields[key].text()

    def show_session(self, session: Session | None) -> None:
        if session is None:
            for field in self._fields.values():
                field.setText("")
            self._fields["device"].setText(self.tr("Select a session to see its details."))
            return


        location = session.location
        place_parts = [part for part in (location.city, location.region, location.country) if part]
        place = ", ".join(place_parts) if place_parts else labels.place_label(location, session.ip_address)
        device = labels.device_label(session.device)
        if session.device.model:
            device = f"{device} ({session.device.model})"

        self._fields["device"].setText(device)
        self._fields["device_type"].setText(labels.device_type_label(session.device.device_type))
        self._fields["ip"].setText(session.ip_address or self.tr("Unknown"))
        self._fields["location"].setText(place)
        self._fields["created"].setText(_local_time(session.created_at))
        self._fields["last_active"].setText(_local_time(session.last_active_at))
        self._fields["methods"].setText(labels.auth_methods_label(session.auth_methods))
        self._fields["user_agent"].setText(session.user_agent or self.tr("None sent"))
        self._fields["id"].setText(session.id)
        for field in self._fields.values():
            field.setCursorPosition(0)
