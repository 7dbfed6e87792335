"""The signed-in account."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from ..deps import CallerDep
from ..problems import problem_responses
from ..schemas import Account

logger = logging.getLogger(__name__)

router = APIRouter(tags=["account"])


@router.get("/account", response_model=Account, responses=problem_responses(401))
def get_account(caller: CallerDep) -> Account:
    account = caller.account
    return Account(
        email=account.email, mfa_enabled=account.totp_secret is not None, session_ttl_days=account.session_ttl_days
    )
