"""The local Cognito: moto's cognito-idp with the behaviours Moments relies on added.

:func:`install` patches moto once per process; the hosted-UI stand-in
(:mod:`local_stack.cognito.hosted_ui`) and the stack use the helpers below.
"""

from local_stack.cognito.emulation import (
    CODE_FAILURES_BEFORE_LIMIT,
    DEFAULT_SCOPE,
    KEY_ID,
    MFA_ANSWERS_PER_SESSION,
    PASSWORD_FAILURES_BEFORE_LOCKOUT,
    TokenSet,
    export_state,
    find_user_pool,
    granted_scopes,
    import_state,
    install,
    issue_tokens,
    issuer,
    now,
    password_sign_in,
    public_jwks,
    refresh,
    revoke_refresh_token,
    same_secret,
    uninstall,
    user_for_access_token,
)

__all__ = [
    "CODE_FAILURES_BEFORE_LIMIT",
    "DEFAULT_SCOPE",
    "KEY_ID",
    "MFA_ANSWERS_PER_SESSION",
    "PASSWORD_FAILURES_BEFORE_LOCKOUT",
    "TokenSet",
    "export_state",
    "find_user_pool",
    "granted_scopes",
    "import_state",
    "install",
    "issue_tokens",
    "issuer",
    "now",
    "password_sign_in",
    "public_jwks",
    "refresh",
    "revoke_refresh_token",
    "same_secret",
    "uninstall",
    "user_for_access_token",
]
