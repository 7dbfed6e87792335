"""Password hashing, bearer tokens, TOTP and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

logger = logging.getLogger(__name__)

TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
# Steps accepted on either side of the current one, for clock drift.
TOTP_WINDOW_STEPS = 1
TOTP_ISSUER = "Session Guard"

RECOVERY_CODE_COUNT = 10
_BASE32_LOWER = "abcdefghijklmnopqrstuvwxyz234567"
_RECOVERY_CODE_RE = re.compile(r"[a-z2-7]{8}")
_TOTP_CODE_RE = re.compile(r"[0-9]{6}")
_BASE32_SECRET_RE = re.compile(r"[A-Z2-7]+")
# RFC 4226 requires shared secrets of at least 128 bits: 26 base32 characters carry 130.
TOTP_SECRET_MIN_CHARS = 26
# The accounts.totp_secret column stores at most 64 characters.
TOTP_SECRET_MAX_CHARS = 64


class PasswordService:
    """Argon2id password hashing; hashes made with other costs are upgraded at sign-in."""

    def __init__(self, time_cost: int = 3, memory_cost_kib: int = 65536, parallelism: int = 4) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism)
        # Verified against for unknown emails, so both paths cost one Argon2 verify.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except VerifyMismatchError:
            return False
        except (VerificationError, InvalidHashError):
            logger.error("stored password hash could not be verified")
            return False

    def burn_time(self, password: str) -> None:
        """Verify against a dummy hash so an unknown email takes as long as a wrong password."""
        self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    """Return a random 256-bit URL-safe token."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest stored in place of a token or code."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_public_id() -> str:
    """Return an opaque session id, independent of the session's token."""
    return secrets.token_urlsafe(12)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def normalize_totp_secret(secret: str) -> str:
    """Return a base32 TOTP secret upper-cased, without spaces, hyphens or "=" padding.

    Raises ValueError when the result is not base32 or is shorter than 128 bits
    or longer than TOTP_SECRET_MAX_CHARS characters.
    """
    compact = "".join(secret.split()).replace("-", "").rstrip("=").upper()
    if not _BASE32_SECRET_RE.fullmatch(compact):
        raise ValueError("TOTP secret must be base32 (letters A-Z and digits 2-7)")
    if len(compact) < TOTP_SECRET_MIN_CHARS:
        raise ValueError(f"TOTP secret must have at least {TOTP_SECRET_MIN_CHARS} base32 characters (128 bits)")
    if len(compact) > TOTP_SECRET_MAX_CHARS:
        raise ValueError(f"TOTP secret must have at most {TOTP_SECRET_MAX_CHARS} base32 characters")
    return compact


def otpauth_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def normalize_totp_code(code: str) -> str | None:
    """Return the code without spaces if it is then exactly six ASCII digits, else None."""
    compact = code.replace(" ", "")
    return compact if _TOTP_CODE_RE.fullmatch(compact) else None


def totp_step(moment: datetime) -> int:
    return int(moment.timestamp()) // TOTP_STEP_SECONDS


def verify_totp(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """Return the time step that `code` matches, or None.

    Steps within ±TOTP_WINDOW_STEPS of now are tried. A step at or before
    `last_step` is rejected, so each code (and any older one) works once.
    """
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)
    current = totp_step(now)
    for step in range(current - TOTP_WINDOW_STEPS, current + TOTP_WINDOW_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Return RECOVERY_CODE_COUNT random codes shaped `xxxx-xxxx` (40 bits each)."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        chars = "".join(secrets.choice(_BASE32_LOWER) for _ in range(8))
        codes.append(f"{chars[:4]}-{chars[4:]}")
    return codes


def normalize_recovery_code(code: str) -> str | None:
    """Return the code lower-cased without spaces and hyphens, or None if it cannot be one."""
    compact = code.replace(" ", "").replace("-", "").lower()
    return compact if _RECOVERY_CODE_RE.fullmatch(compact) else None


def hash_recovery_code(code: str) -> str:
    """Return the stored hash of a recovery code in any accepted spelling.

    NOTE: an unsalted SHA-256 of a 40-bit code can be brute-forced offline
    from a leaked database. A keyed hash with a server secret would resist that.
    """
    normalized = normalize_recovery_code(code)
    if normalized is None:
        raise ValueError("not a recovery code")
    return hash_token(normalized)
