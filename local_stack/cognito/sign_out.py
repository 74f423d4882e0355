"""Sign-out: GlobalSignOut and RevokeToken, as Cognito revokes tokens (API reference,
GlobalSignOut and RevokeToken).
"""

from __future__ import annotations

from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUserPool,
)

from local_stack.cognito.errors import (
    UnauthorizedError,
    UnsupportedOperationError,
    UnsupportedTokenTypeError,
)
from local_stack.cognito.originals import moto_original
from local_stack.cognito.rules import check_client_secret, pool_and_client
from local_stack.cognito.state import LOCK
from local_stack.cognito.tokens import check_access_token, revoke_refresh_token


def pool_sign_out(self: CognitoIdpUserPool, username: str) -> None:
    # moto compares the sign-in name as typed; Cognito signs the *user* out everywhere.
    """GlobalSignOut / AdminUserGlobalSignOut: every refresh and access token of the *user*
    is revoked, whichever sign-in name issued it (moto compares the name as typed).
    """
    target = self._get_user(username)
    if target is None:
        return
    with LOCK:
        for token, record in list(self.refresh_tokens.items()):
            if record is not None and self._get_user(record[1]) is target:
                self.refresh_tokens[token] = None
        for token, (_, signed_in_as) in list(self.access_tokens.items()):
            if self._get_user(signed_in_as) is target:
                self.access_tokens.pop(token, None)


def revoke_token(
    self: CognitoIdpBackend, client_id: str, token: str, client_secret: str | None
) -> None:
    """RevokeToken (moto answers 500): revokes the refresh token's whole family and the
    access tokens it issued (API reference, RevokeToken); checks ``EnableTokenRevocation``,
    the client secret, that the token is a refresh token of this client; an unknown token is
    not an error (RFC 7009 section 2.2).

    :raises UnsupportedTokenTypeException / UnauthorizedException /
        UnsupportedOperationException: as Cognito.
    """
    pool, client = pool_and_client(self, client_id)
    if client.extended_config.get("EnableTokenRevocation") is False:
        raise UnsupportedOperationError("Token revocation is not enabled for this client")
    check_client_secret(client, client_secret, UnauthorizedError)
    if token.count(".") == 2:  # a JWT: access or ID token; only refresh tokens revoke
        raise UnsupportedTokenTypeError()
    if token not in pool.refresh_tokens:
        return  # RFC 7009 section 2.2: an unknown token is not an error
    record = pool.refresh_tokens[token]
    if record is not None and record[0] != client.id:
        raise UnauthorizedError("The token was not issued to this client")
    revoke_refresh_token(pool, token)


def global_sign_out(self: CognitoIdpBackend, access_token: str) -> None:
    """GlobalSignOut with Cognito's access-token checks (:func:`check_access_token`)."""
    check_access_token(self, access_token)
    moto_original(CognitoIdpBackend, "global_sign_out")(self, access_token)
