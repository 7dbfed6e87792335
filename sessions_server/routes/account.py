"""The signed-in account: reading it, choosing the idle timeout and changing the password."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy import delete, update

from .. import session_store
from ..db import Account as AccountRecord
from ..db import MfaChallenge
from ..deps import CallerDep, ClientIp, Db, State
from ..problems import invalid_credentials, problem_responses
from ..schemas import Account, AccountUpdate, PasswordChange, PasswordChanged
from .auth import account_throttle_key, check_throttle, ip_throttle_key

logger = logging.getLogger(__name__)

router = APIRouter(tags=["account"])


def _to_schema(account: AccountRecord) -> Account:
    return Account(
        email=account.email, mfa_enabled=account.totp_secret is not None, session_ttl_days=account.session_ttl_days
    )


@router.get("/account", response_model=Account, responses=problem_responses(401))
def get_account(caller: CallerDep) -> Account:
    return _to_schema(caller.account)


@router.patch("/account", response_model=Account, responses=problem_responses(401, 422))
def update_account(body: AccountUpdate, caller: CallerDep, state: State, db: Db) -> Account:
    """Set how many days a session may stay idle; the new value applies to every session at once."""
    account = caller.account
    old_days = account.session_ttl_days
    new_days = body.session_ttl_days
    now = state.config.clock()
    # Sessions that ended under the old timeout are marked revoked first, so a longer timeout cannot revive them.
    ended = session_store.revoke_ended(db, account, min(old_days, new_days), state.config, now)
    db.execute(
        update(AccountRecord)
        .where(AccountRecord.id == account.id)
        .values(session_ttl_days=new_days)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    account.session_ttl_days = new_days
    logger.info(
        "account %d idle timeout changed from %d to %d days by session %s (%d ended sessions marked revoked)",
        account.id,
        old_days,
        new_days,
        caller.session.public_id,
        ended,
    )
    return _to_schema(account)


@router.post(
    "/account/password",
    response_model=PasswordChanged,
    responses=problem_responses(
        401, 422, 429, d401="Problem invalid_credentials (wrong current password) or unauthorized (bearer token)"
    ),
)
def change_password(body: PasswordChange, caller: CallerDep, state: State, db: Db, ip: ClientIp) -> PasswordChanged:
    """Replace the password and end every other session of the account; the caller's session stays."""
    account = caller.account
    keys = [account_throttle_key(account.email), ip_throttle_key(ip)]
    check_throttle(state, keys)
    if not state.passwords.verify(account.password_hash, body.current_password):
        state.throttle.record_failure(keys)
        logger.info(
            "password change rejected for account %d: wrong current password from session %s",
            account.id,
            caller.session.public_id,
        )
        raise invalid_credentials()

    now = state.config.clock()
    new_hash = state.passwords.hash(body.new_password)
    db.execute(
        update(AccountRecord)
        .where(AccountRecord.id == account.id)
        .values(password_hash=new_hash)
        .execution_options(synchronize_session=False)
    )
    revoked = session_store.revoke_others(db, account, caller.session.id, state.config, now)
    # A pending second-factor step was started with the old password, so it is dropped too.
    db.execute(delete(MfaChallenge).where(MfaChallenge.account_id == account.id))
    db.commit()
    state.throttle.reset(account_throttle_key(account.email))
    logger.info(
        "password changed for account %d by session %s; %d other sessions revoked",
        account.id,
        caller.session.public_id,
        revoked,
    )
    return PasswordChanged(revoked=revoked)
