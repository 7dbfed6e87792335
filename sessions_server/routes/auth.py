"""Sign-in with password and second factor, and sign-out."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, Request, Response
from sqlalchemy import delete, or_, select, update

from .. import session_store
from ..accounts import email_fingerprint, normalize_email
from ..db import Account, MfaChallenge, RecoveryCode
from ..deps import CallerDep, ClientIp, Db, State, client_hints
from ..problems import ProblemError, invalid_credentials, problem_responses, too_many_attempts
from ..schemas import Authenticated, LoginRequest, LoginResult, MfaRequest, MfaRequired
from ..security import (
    hash_recovery_code,
    hash_token,
    new_token,
    normalize_recovery_code,
    normalize_totp_code,
    verify_totp,
)
from ..state import ServerState

logger = logging.getLogger(__name__)

router = APIRouter(tags=["auth"])


def account_throttle_key(email: str) -> str:
    """Return the throttle key of an email, known or not, so unknown emails are throttled like real accounts."""
    return f"account:{email_fingerprint(email)}"


def ip_throttle_key(ip: str | None) -> str:
    return f"ip:{ip}"


def check_throttle(state: ServerState, keys: list[str]) -> None:
    """Raise 429 too_many_attempts while any of the keys is blocked."""
    wait = state.throttle.retry_after(keys)
    if wait is not None:
        # Debug level: under attack every request is rejected here, and engaging the block was logged as a warning.
        logger.debug("attempt rejected by throttle for %s, retry after %d s", ", ".join(keys), wait)
        raise too_many_attempts(wait)


def _complete_sign_in(
    state: ServerState, db: Db, account: Account, request: Request, ip: str | None, auth_methods: list[str]
) -> Authenticated:
    """Create the session (committing any pending changes with it) and return its token."""
    now = state.config.clock()
    token = new_token()
    record = session_store.create_session(
        db,
        account,
        token=token,
        ip_address=ip,
        user_agent=request.headers.get("user-agent"),
        client_hints=client_hints(request),
        auth_methods=auth_methods,
        geo=state.geo,
        now=now,
    )
    state.throttle.reset(account_throttle_key(account.email))
    logger.info(
        "sign-in succeeded for account %d: session %s from %s via %s",
        account.id,
        record.public_id,
        ip,
        "+".join(auth_methods),
    )
    return Authenticated(
        access_token=token, session=session_store.to_schema(record, record.id, now, state.config.active_days)
    )


@router.post(
    "/auth/login",
    response_model=LoginResult,
    responses=problem_responses(401, 422, 429, d401="Problem invalid_credentials: unknown email or wrong password"),
)
def login(body: LoginRequest, request: Request, state: State, db: Db, ip: ClientIp) -> Authenticated | MfaRequired:
    """Check email and password; return a session, or an mfa_token when 2FA is on."""
    email = normalize_email(body.email)
    keys = [account_throttle_key(email), ip_throttle_key(ip)]
    check_throttle(state, keys)

    account = db.scalar(select(Account).where(Account.email == email))
    if account is None:
        state.passwords.burn_time(body.password)
        verified = False
    else:
        verified = state.passwords.verify(account.password_hash, body.password)
    if account is None or not verified:
        state.throttle.record_failure(keys)
        if account is None:
            logger.info("sign-in failed for unknown email %s from %s", email_fingerprint(email), ip)
        else:
            logger.info("sign-in failed for account %d (wrong password) from %s", account.id, ip)
        raise invalid_credentials()

    if state.passwords.needs_rehash(account.password_hash):
        account.password_hash = state.passwords.hash(body.password)
        db.commit()

    if account.totp_secret is None:
        return _complete_sign_in(state, db, account, request, ip, ["password"])

    mfa_token = new_token()
    ttl = state.config.mfa_token_ttl_seconds
    db.add(
        MfaChallenge(
            account_id=account.id,
            token_hash=hash_token(mfa_token),
            expires_at=state.config.clock() + timedelta(seconds=ttl),
        )
    )
    db.commit()
    logger.info("password accepted for account %d from %s; second factor required", account.id, ip)
    return MfaRequired(mfa_token=mfa_token, mfa_methods=["totp", "recovery_code"], expires_in=ttl)


def _consume_second_factor(db: Db, account: Account, code: str, state: ServerState) -> str | None:
    """Mark the TOTP step or recovery code as used, uncommitted; return the auth method or None."""
    totp_code = normalize_totp_code(code)
    if totp_code is not None and account.totp_secret is not None:
        step = verify_totp(account.totp_secret, totp_code, state.config.clock(), account.totp_last_step)
        if step is None:
            return None
        # Conditional, so two requests racing with the same code cannot both succeed.
        result = db.execute(
            update(Account)
            .where(Account.id == account.id, or_(Account.totp_last_step.is_(None), Account.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        return "totp" if result.rowcount == 1 else None

    if normalize_recovery_code(code) is None:
        return None
    result = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.account_id == account.id,
            RecoveryCode.code_hash == hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=state.config.clock())
        .execution_options(synchronize_session=False)
    )
    return "recovery_code" if result.rowcount == 1 else None


def _mfa_token_expired() -> ProblemError:
    return ProblemError(401, "mfa_token_expired", "The sign-in attempt expired; sign in with your password again.")


@router.post(
    "/auth/mfa",
    response_model=Authenticated,
    responses=problem_responses(
        401, 422, 429, d401="Problem invalid_code, or mfa_token_expired (expired, unknown or burned mfa_token)"
    ),
)
def verify_mfa(body: MfaRequest, request: Request, state: State, db: Db, ip: ClientIp) -> Authenticated:
    """Finish a sign-in with a TOTP code or a recovery code."""
    ip_key = ip_throttle_key(ip)
    check_throttle(state, [ip_key])

    now = state.config.clock()
    challenge = db.scalar(select(MfaChallenge).where(MfaChallenge.token_hash == hash_token(body.mfa_token)))
    if challenge is None:
        raise _mfa_token_expired()
    if challenge.expires_at <= now or challenge.wrong_codes >= state.config.mfa_max_wrong_codes:
        logger.info("expired or burned mfa_token used for account %d from %s", challenge.account_id, ip)
        db.delete(challenge)
        db.commit()
        raise _mfa_token_expired()

    account = db.get(Account, challenge.account_id)
    if account is None:
        raise _mfa_token_expired()
    keys = [account_throttle_key(account.email), ip_key]
    check_throttle(state, keys)

    # Consuming the challenge first holds the write lock, so a concurrent request with the same token gets 0 rows.
    challenge_id = challenge.id
    wrong_codes_before = challenge.wrong_codes
    consumed = db.execute(delete(MfaChallenge).where(MfaChallenge.id == challenge_id)).rowcount
    if consumed != 1:
        db.rollback()
        raise _mfa_token_expired()
    method = _consume_second_factor(db, account, body.code, state)
    if method is None:
        db.rollback()
        db.execute(
            update(MfaChallenge)
            .where(MfaChallenge.id == challenge_id)
            .values(wrong_codes=MfaChallenge.wrong_codes + 1)
            .execution_options(synchronize_session=False)
        )
        db.commit()
        state.throttle.record_failure(keys)
        logger.info(
            "wrong second-factor code for account %d from %s (%d of %d for this mfa_token)",
            account.id,
            ip,
            wrong_codes_before + 1,
            state.config.mfa_max_wrong_codes,
        )
        raise ProblemError(401, "invalid_code", "The verification code is incorrect or was already used.")

    return _complete_sign_in(state, db, account, request, ip, ["password", method])


@router.post("/auth/logout", status_code=204, response_class=Response, responses=problem_responses(401))
def logout(caller: CallerDep, state: State, db: Db) -> Response:
    """Revoke the session making the request."""
    session_store.revoke(db, [caller.session.id], state.config.clock())
    logger.info("session %s of account %d signed out", caller.session.public_id, caller.account.id)
    return Response(status_code=204)
