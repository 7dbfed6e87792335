"""TOTP secrets given to accounts.create_account: normalisation and validation."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from sessions_server.accounts import create_account
from sessions_server.db import Account as AccountRecord
from sessions_server.security import normalize_totp_secret
from tests.server.server_support import PASSWORD, Api, server_state

CANONICAL = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.mark.parametrize(
    "given",
    [
        CANONICAL,
        CANONICAL.lower(),
        "jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp",
        "JBSW-Y3DP-EHPK-3PXP-JBSW-Y3DP-EHPK-3PXP",
        f"  {CANONICAL}\t",
    ],
)
def test_secret_spellings_normalised(given: str) -> None:
    assert normalize_totp_secret(given) == CANONICAL


def test_secret_padding_removed() -> None:
    # 26 characters encode 16 bytes; the padded form ends in six "=".
    assert normalize_totp_secret("MFRGGZDFMZTWQ2LKNNWG23TPOA======") == "MFRGGZDFMZTWQ2LKNNWG23TPOA"


def test_secret_without_padding_verifies() -> None:
    unpadded = normalize_totp_secret("mfrggzdfmztwq2lknnwg23tpoa")
    assert pyotp.TOTP(unpadded).now() == pyotp.TOTP("MFRGGZDFMZTWQ2LKNNWG23TPOA======").now()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("JBSWY3DPEHPK3PXP0189", "base32"),
        ("", "base32"),
        ("JBSWY3DPEHPK3PXP", "at least 26"),
        ("A" * 65, "at most 64"),
        ("JBSWY3DPEHPK3PXP!JBSWY3DPEHPK", "base32"),
    ],
)
def test_invalid_secret_rejected(given: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_totp_secret(given)


def test_created_account_stores_normalised_secret(api: Api) -> None:
    state = server_state(api.server)
    with state.session_factory() as db:
        secrets = create_account(
            db,
            state.passwords,
            "given@example.com",
            PASSWORD,
            enable_2fa=False,
            session_ttl_days=30,
            now=api.clock.now,
            totp_secret="jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp",
        )
    assert secrets.totp_secret == CANONICAL
    assert len(secrets.recovery_codes) == 10
    with state.session_factory() as db:
        assert db.scalar(select(AccountRecord.totp_secret).where(AccountRecord.email == "given@example.com")) == CANONICAL

    mfa_token = api.login("given@example.com").json()["mfa_token"]
    code = pyotp.TOTP(CANONICAL).at(api.clock.now)
    assert api.mfa(mfa_token, code).status_code == 200


def test_invalid_secret_creates_no_account(api: Api) -> None:
    state = server_state(api.server)
    with state.session_factory() as db, pytest.raises(ValueError, match="base32"):
        create_account(
            db,
            state.passwords,
            "given@example.com",
            PASSWORD,
            enable_2fa=True,
            session_ttl_days=30,
            now=api.clock.now,
            totp_secret="not a secret!",
        )
    assert api.login("given@example.com").status_code == 401
