"""The two-factor dialog's checks and the code it submits."""

from __future__ import annotations

import pytest

from desktop_app.ui.signin import MfaDialog


@pytest.fixture
def dialog(qtbot) -> MfaDialog:
    dialog = MfaDialog()
    qtbot.addWidget(dialog)
    return dialog


def submitted(qtbot, dialog: MfaDialog, text: str) -> list[str]:
    codes: list[str] = []
    dialog.sig_submitted.connect(codes.append)
    dialog.code_field.setText(text)
    dialog.ok_button.click()
    return codes


@pytest.mark.parametrize(
    ("typed", "sent"),
    [("123 456", "123456"), (" 123456 ", "123456"), ("abcd-efgh", "abcd-efgh"), ("abcd efgh", "abcdefgh")],
)
def test_code_submitted_without_spaces(qtbot, dialog: MfaDialog, typed: str, sent: str) -> None:
    assert submitted(qtbot, dialog, typed) == [sent]


@pytest.mark.parametrize("typed", ["12345", "1234567", "abc"])
def test_invalid_code_not_submitted(qtbot, dialog: MfaDialog, typed: str) -> None:
    assert submitted(qtbot, dialog, typed) == []
