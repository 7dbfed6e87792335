"""Sign-in dialog (server, email, password) and the 2FA dialog that may follow it."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

_TOTP_CODE = re.compile(r"\d{6}")
_RECOVERY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{5,31}")


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("errorLabel")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setStyleSheet("color: #c5221f;")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _hint_label() -> QLabel:
    label = QLabel()
    label.setObjectName("hintLabel")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


class _FormDialog(QDialog):
    """Shared layout: a heading, a form, a hint, an error line and OK/Cancel."""

    def __init__(self, title: str, heading: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)

        self.heading = QLabel(heading)
        self.heading.setWordWrap(True)
        self.form = QFormLayout()
        self.hint = _hint_label()
        self.error = _error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def show_hint(self, text: str) -> None:
        changed = self.hint.isVisible() != bool(text)
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
        if changed:
            self.adjustSize()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.error.setAccessibleName(text)
        self.adjustSize()

    def set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)
        for field in self.findChildren(QLineEdit):
            field.setReadOnly(busy)
        if busy:
            self.show_error("")

    def _submit(self) -> None:
        raise NotImplementedError


class SignInDialog(_FormDialog):
    """sig_submitted(server_url, email, password): the user asked to sign in."""

    sig_submitted = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Sign in — Session Guard"),
            self.tr("Sign in to the account you want Session Guard to watch."),
            self.tr("Sign in"),
            parent,
        )
        self.server_field = QLineEdit()
        self.server_field.setPlaceholderText("https://accounts.example.com")
        self.email_field = QLineEdit()
        self.email_field.setPlaceholderText("you@example.com")
        self.password_field = QLineEdit()
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(self.tr("&Server:"), self.server_field)
        self.form.addRow(self.tr("&Email:"), self.email_field)
        self.form.addRow(self.tr("&Password:"), self.password_field)

    def prefill(self, server_url: str, email: str, password: str = "") -> None:
        self.server_field.setText(server_url)
        self.email_field.setText(email)
        self.password_field.setText(password)
        empty = next((f for f in (self.server_field, self.email_field, self.password_field) if not f.text()), None)
        (empty or self.password_field).setFocus()

    def clear_password(self) -> None:
        self.password_field.clear()

    def _submit(self) -> None:
        server = self.server_field.text().strip()
        email = self.email_field.text().strip()
        password = self.password_field.text()
        if not server:
            self.show_error(self.tr("Enter the server address, for example https://accounts.example.com."))
            self.server_field.setFocus()
            return
        if "@" not in email:
            self.show_error(self.tr("Enter the email address of your account."))
            self.email_field.setFocus()
            return
        if not password:
            self.show_error(self.tr("Enter your password."))
            self.password_field.setFocus()
            return
        self.sig_submitted.emit(server, email, password)


class MfaDialog(_FormDialog):
    """sig_submitted(code): a 6-digit authenticator code or a recovery code."""

    sig_submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Two-factor authentication — Session Guard"),
            self.tr(
                "Enter the 6-digit code from your authenticator app. "
                "If you cannot use the app, enter one of your recovery codes."
            ),
            self.tr("Verify"),
            parent,
        )
        self.code_field = QLineEdit()
        self.code_field.setPlaceholderText("123 456")
        self.code_field.setMaxLength(40)
        self.form.addRow(self.tr("&Code:"), self.code_field)

    def clear_code(self) -> None:
        self.code_field.clear()
        self.code_field.setFocus()

    def _submit(self) -> None:
        code = self.code_field.text().strip()
        compact = code.replace(" ", "")
        if compact.isdigit() and not _TOTP_CODE.fullmatch(compact):
            self.show_error(self.tr("An authenticator code has exactly 6 digits."))
            return
        if not compact.isdigit() and not _RECOVERY_CODE.fullmatch(compact):
            self.show_error(self.tr("Enter the 6-digit code, or a recovery code such as abcd-efgh."))
            return
        # Spaces are only for reading, so a server that does not strip them still gets the code.
        self.sig_submitted.emit(compact)
