"""Choice-based sign-in with an emailed one-time password (InitiateAuth ``USER_AUTH`` with
``PREFERRED_CHALLENGE: EMAIL_OTP``; moto has no ``USER_AUTH``). The answer to the
``EMAIL_OTP`` challenge is checked in :func:`local_stack.cognito.totp.answer_code_challenge`
with the TOTP one, as both are code challenges on a Session.
"""

from __future__ import annotations

import secrets
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient

from local_stack.cognito.rules import auth_session_seconds, check_secret_hash, mask_email
from local_stack.cognito.state import (
    LOCK,
    SETTINGS,
    ChallengeSession,
    Code,
    clock,
    open_challenge,
    pool_state,
)
from local_stack.cognito.user_auth import passwordless_user
from local_stack.cognito.webauthn import first_factors

#: Email OTP sign-in codes have 8 digits (developer guide, "Passwordless sign-in with
#: one-time passwords"; MFA codes have 6).
EMAIL_OTP_DIGITS = 8


def start_email_otp(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, params: dict[str, str]
) -> dict[str, Any]:
    """InitiateAuth ``USER_AUTH`` with ``PREFERRED_CHALLENGE: EMAIL_OTP``.

    API reference, InitiateAuth (USER_AUTH): the answer is the ``EMAIL_OTP`` challenge with
    ``CODE_DELIVERY_DESTINATION`` / ``CODE_DELIVERY_DELIVERY_MEDIUM``; the code lives as
    long as the Session (``AuthSessionValidity``). The factor must be allowed by the pool
    (``Policies.SignInPolicy.AllowedFirstAuthFactors``). Unknown and unconfirmed users get
    a simulated challenge and no email (PreventUserExistenceErrors), so the answer cannot
    tell them apart; no answer passes it. A user with MFA configured gets the simulated
    challenge too (:func:`local_stack.cognito.user_auth.passwordless_user`: no
    passwordless first factor with MFA).

    :raises InvalidParameterException: EMAIL_OTP is not an allowed first factor of the pool.
    """
    username = params["USERNAME"]
    if "EMAIL_OTP" not in first_factors(pool):
        raise InvalidParameterException("EMAIL_OTP is not an allowed first auth factor")
    check_secret_hash(client, [username], params.get("SECRET_HASH"))
    user = passwordless_user(pool, client, username)
    lifetime = auth_session_seconds(client)
    session = open_challenge(
        pool,
        ChallengeSession(
            user.username if user is not None else "",
            client.id,
            clock() + lifetime,
            challenge="EMAIL_OTP",
        ),
    )
    if user is not None:
        code = f"{secrets.randbelow(10**EMAIL_OTP_DIGITS):0{EMAIL_OTP_DIGITS}d}"
        with LOCK:
            pool_state(pool).codes[(user.id, "sign_in")] = Code(code, clock() + lifetime)
        if SETTINGS.inbox is not None:
            SETTINGS.inbox.deliver(user.attribute_lookup.get("email") or username, "sign_in", code)
    return {
        "ChallengeName": "EMAIL_OTP",
        "Session": session,
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            "CODE_DELIVERY_DESTINATION": mask_email(username),
        },
    }
