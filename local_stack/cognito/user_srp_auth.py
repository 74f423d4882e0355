"""The ``USER_SRP_AUTH`` flow: InitiateAuth's ``PASSWORD_VERIFIER`` challenge and the check
of RespondToAuthChallenge's proof (the SRP math is :mod:`local_stack.cognito.srp`; moto
answered a fake challenge and accepted any proof).
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)

from local_stack.cognito import srp as cognito_srp
from local_stack.cognito.errors import INCORRECT_CREDENTIALS
from local_stack.cognito.lockout import password_ok
from local_stack.cognito.rules import (
    auth_session_seconds,
    check_secret_hash,
    prevents_existence_errors,
    same_secret,
)
from local_stack.cognito.state import LOCK, SrpSession, clock, drop_expired, pool_state
from local_stack.cognito.totp import mfa_challenge

# RespondToAuthChallenge PASSWORD_VERIFIER's TIMESTAMP, Java's "EEE MMM d HH:mm:ss z yyyy"
# (Cognito's InvalidParameterException names that pattern).
_SRP_TIMESTAMP = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{1,2}) (\d{2}:\d{2}:\d{2}) ([A-Za-z]{1,5}) (\d{4})"
)


def _srp_timestamp(text: str) -> str:
    """The TIMESTAMP as Cognito signs it: parsed, then re-rendered with an unpadded day.

    Cognito parses the client's TIMESTAMP and checks the signature over its own rendering,
    so a zero-padded day ("Nov 05") fails the proof (observed: warrant PR 12, "leading
    zero in a day number"); a TIMESTAMP that does not parse is InvalidParameterException
    (observed: amazon-cognito-identity-js issue 683).
    """
    match = _SRP_TIMESTAMP.fullmatch(text)
    if match is None:
        raise InvalidParameterException(
            "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
        )
    weekday, month, day, time_of_day, zone, year = match.groups()
    return f"{weekday} {month} {int(day)} {time_of_day} {zone} {year}"


def srp_user_id(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> str:
    # Cognito's username: the sub when email/phone are the sign-in names.
    """Cognito's ``USER_ID_FOR_SRP``: the sub when email/phone are the sign-in names."""
    return user.id if pool.extended_config.get("UsernameAttributes") else user.username


def start_srp(
    self: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    params: dict[str, str],
) -> dict[str, Any]:
    """USER_SRP_AUTH: a real ``PASSWORD_VERIFIER`` challenge (:mod:`cognito_srp`).

    Unknown users under ``PreventUserExistenceErrors`` get a simulated challenge that
    no proof passes, so the failure comes, as for a wrong password, from
    RespondToAuthChallenge ("Managing user existence error responses").
    """
    username = params.get("USERNAME")
    srp_a = params.get("SRP_A")
    if not username:
        raise InvalidParameterException("Missing required parameter USERNAME")
    if not srp_a:
        raise InvalidParameterException("Missing required parameter SRP_A")
    check_secret_hash(client, [username], params.get("SECRET_HASH"))
    user = pool._get_user(username)
    if user is None and not prevents_existence_errors(client):
        raise UserNotFoundError("User does not exist.")
    user_id = srp_user_id(pool, user) if user is not None else username
    try:
        challenge = cognito_srp.start(
            pool.id.split("_", 1)[1],
            user_id,
            str(user.password or "") if user else "",
            srp_a,
            simulated=user is None,
        )
    except ValueError as error:
        raise InvalidParameterException("Invalid SRP_A") from error
    session = secrets.token_urlsafe(96)
    with LOCK:
        srp = pool_state(pool).srp
        now = clock()
        drop_expired(srp, now)
        srp[challenge.secret_block] = SrpSession(
            challenge,
            client.id,
            user.username if user else "",
            now + auth_session_seconds(client),
            session,
        )
    return {
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": session,
        "ChallengeParameters": {
            "SALT": challenge.salt_hex,
            "SRP_B": challenge.b_hex,
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
            "SECRET_BLOCK": challenge.secret_block,
        },
    }


def verify_srp(
    self: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    session: str | None,
    responses: dict[str, str],
) -> dict[str, Any]:
    """RespondToAuthChallenge PASSWORD_VERIFIER: check PASSWORD_CLAIM_SIGNATURE.

    The challenge is single-use and lives ``AuthSessionValidity`` minutes (default 3;
    CreateUserPoolClient API reference). A wrong proof counts as a wrong password
    towards the lockout.
    """
    for name in ("PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP"):
        if not responses.get(name):
            raise InvalidParameterException(f"Missing required parameter {name}")
    timestamp = _srp_timestamp(responses["TIMESTAMP"])
    with LOCK:
        item = pool_state(pool).srp.pop(responses["PASSWORD_CLAIM_SECRET_BLOCK"], None)
    if (
        item is None
        or item.client_id != client.id
        or (session and not same_secret(item.session, session))
        or clock() >= item.expires_at
    ):
        raise NotAuthorizedError("Invalid session for the user, session is expired.")
    if item.challenge.simulated:
        raise NotAuthorizedError(INCORRECT_CREDENTIALS)
    user = pool._get_user(item.username)
    if user is None:
        raise NotAuthorizedError(INCORRECT_CREDENTIALS)
    check_secret_hash(
        client,
        [responses.get("USERNAME") or "", user.username, user.id],
        responses.get("SECRET_HASH"),
    )
    pool_name = pool.id.split("_", 1)[1]
    expected = cognito_srp.expected_signature(
        item.challenge, pool_name, str(user.password or ""), timestamp
    )
    proof_ok = same_secret(expected, responses["PASSWORD_CLAIM_SIGNATURE"])
    # The password is right exactly when the proof is: feed the lockout with that.
    if not password_ok(pool, user, user.password if proof_ok else None):
        raise NotAuthorizedError(INCORRECT_CREDENTIALS)
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    if user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException("User is not confirmed.")
    if user.status in (UserStatus.FORCE_CHANGE_PASSWORD, UserStatus.RESET_REQUIRED):
        moto_session = str(uuid.uuid4())
        self.sessions[moto_session] = (user.username, pool)
        return {
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "ChallengeParameters": {"USERNAME": srp_user_id(pool, user)},
            "Session": moto_session,
        }
    challenge = mfa_challenge(pool, client, user, srp_user_id(pool, user))
    if challenge is not None:
        return challenge
    return self._log_user_in(pool, client, user.username)
