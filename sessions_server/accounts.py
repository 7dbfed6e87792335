"""Account creation."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from .db import Account, RecoveryCode
from .security import (
    PasswordService,
    hash_recovery_code,
    new_recovery_codes,
    new_totp_secret,
    normalize_totp_secret,
    otpauth_uri,
)

logger = logging.getLogger(__name__)


class DuplicateEmailError(ValueError):
    """Raised when an account with the email already exists."""


@dataclass(frozen=True)
class AccountSecrets:
    """Second-factor secrets of a new account, shown once to its owner."""

    totp_secret: str | None = None
    otpauth_uri: str | None = None
    recovery_codes: list[str] = field(default_factory=list)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_fingerprint(email: str) -> str:
    """Return a short SHA-256 prefix of the normalised email, for logs and throttle keys.

    Logs carry this in place of the typed email, because users sometimes type
    their password into the email field.
    """
    return hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()[:16]


def create_account(
    db: OrmSession,
    passwords: PasswordService,
    email: str,
    password: str,
    *,
    enable_2fa: bool,
    session_ttl_days: int,
    now: datetime,
    totp_secret: str | None = None,
) -> AccountSecrets:
    """Insert an account and commit; with `enable_2fa`, also a TOTP secret and ten recovery codes.

    `totp_secret` sets a given base32 secret in place of a random one and
    implies `enable_2fa`. It is normalised first, so lower case, spaces and
    missing "=" padding are accepted. Raises ValueError for an empty email or
    password or an invalid TOTP secret, and DuplicateEmailError for an email
    already in use.
    """
    normalized = normalize_email(email)
    if not normalized or "@" not in normalized:
        raise ValueError(f"invalid email address {email!r}")
    if not password:
        raise ValueError("password must not be empty")
    if totp_secret is not None:
        totp_secret = normalize_totp_secret(totp_secret)
        enable_2fa = True
    if db.scalar(select(Account.id).where(Account.email == normalized)) is not None:
        raise DuplicateEmailError(f"an account with email {normalized} already exists")

    account = Account(
        email=normalized,
        password_hash=passwords.hash(password),
        session_ttl_days=session_ttl_days,
        created_at=now,
    )
    secrets = AccountSecrets()
    if enable_2fa:
        totp_secret = totp_secret or new_totp_secret()
        codes = new_recovery_codes()
        account.totp_secret = totp_secret
        secrets = AccountSecrets(totp_secret, otpauth_uri(totp_secret, normalized), codes)
    db.add(account)
    db.flush()
    for code in secrets.recovery_codes:
        db.add(RecoveryCode(account_id=account.id, code_hash=hash_recovery_code(code)))
    db.commit()
    logger.info("account %s created (id %d, 2FA %s)", normalized, account.id, "on" if enable_2fa else "off")
    return secrets
