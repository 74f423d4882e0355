"""Sessions: the refresh tokens the broker hands out, and sign-out (issue 23).

Every refresh token the broker hands out is recorded first with its session family
(``origin_jti``), keyed by a keyed hash of the token (:meth:`Sessions._issued`), so that
``POST /auth/sign-out`` with the refresh token alone can revoke that session on the photo
routes; sign-out writes the records the photo handlers check (:mod:`shared.revocation`)
before it revokes anything at Cognito (:meth:`Sessions.sign_out`).
"""

from __future__ import annotations

from typing import Any

import jwt

from auth.core import ServiceCore, logger
from auth.errors import InvalidRequest, UpstreamError
from auth.models import SignedOut, TokenSet


class Sessions(ServiceCore):
    """The token-issuing and sign-out half of :class:`auth.service.AuthService`."""

    def _issued(self, tokens: TokenSet) -> TokenSet:
        """Record the refresh token's session family before it is handed out (issue 23), so
        that a sign-out with that refresh token alone can revoke the session on the photo
        routes. A failed write fails the request (5xx): a refresh token the broker could
        not record would sign out on Cognito only. Tokens come straight from Cognito here,
        so their claims are read without a signature check.

        Raises:
            UpstreamError: the record could not be written.
        """
        records = self.revocations
        if records is None or not tokens.refresh_token:
            return tokens
        claims = claims_of_accepted_token(tokens.access_token)
        sub, origin_jti = claims.get("sub"), claims.get("origin_jti")
        if isinstance(sub, str) and sub and isinstance(origin_jti, str) and origin_jti:
            records.remember_refresh_token(
                tokens.refresh_token,
                user_sub=sub,
                origin_jti=origin_jti,
                lifetime_seconds=self.idp.refresh_token_validity_seconds,
            )
        else:
            logger.warning("access token has no origin_jti; refresh-token family not recorded")
        return tokens

    def sign_out(
        self,
        refresh_token: str | None,
        access_token: str | None,
        session_access_token: str | None = None,
    ) -> SignedOut:
        """Sign out, on Cognito and on this API.

        - With ``access_token`` (the Bearer header): GlobalSignOut, then a record that
          revokes every access token of the user issued until now ("everywhere").
        - With ``session_access_token`` (the body's ``access_token``): GetUser checks it,
          then a record revokes its session (its ``origin_jti`` family) only.
        - With ``refresh_token``: the record of its session family, written when the
          broker handed it out (:meth:`_issued`), revokes that session on the photo routes
          (issue 23: RFC 7009 clients send the refresh token alone); then RevokeToken.

        Cognito alone would leave the access tokens working on API Gateway's authorizer
        until they expire; the records (:mod:`shared.revocation`) are what the photo
        handlers check. GlobalSignOut and GetUser run first: RevokeToken also revokes the
        access tokens issued with the refresh token (API reference, RevokeToken), after
        which Cognito refuses them. The token's claims are read only after Cognito has
        accepted it. An expired or already signed-out access token does not fail the
        request when a refresh token comes too: it is still revoked, and
        ``signed_out_everywhere`` is false.

        Raises:
            InvalidRequest: (400) when neither token comes.
            UpstreamError: 401 ``invalid_token`` for an invalid access token sent alone;
                400 ``unsupported_token_type`` / ``invalid_grant`` from RevokeToken; 429;
                5xx (including a failed record write).
        """
        if not refresh_token and not access_token:
            raise InvalidRequest(
                "Send a refresh_token, a Bearer access token in Authorization, or both."
            )
        everywhere = False
        if access_token:
            try:
                self.idp.global_sign_out(access_token)
                everywhere = True
            except UpstreamError as exc:
                if exc.code != "NotAuthorizedException" or not refresh_token:
                    raise
            if everywhere:
                self._record(access_token, everywhere=True)
        if session_access_token and not everywhere:
            try:
                self.idp.get_user(session_access_token)
            except UpstreamError as exc:
                # Expired or already revoked: nothing left for this API to refuse early.
                if exc.code != "NotAuthorizedException":
                    raise
            else:
                self._record(session_access_token, everywhere=False)
        if refresh_token:
            self._record_refresh_family(refresh_token)
            self.idp.revoke_token(refresh_token)
        return SignedOut(
            refresh_token_revoked=bool(refresh_token), signed_out_everywhere=everywhere
        )

    def _record_refresh_family(self, refresh_token: str) -> None:
        """Revoke, on the photo routes, the session a refresh token belongs to. Found by the
        token's keyed hash, so only a holder of the token can name the session; a token
        the broker never recorded (issued before issue 23, or by another client) revokes
        nothing here."""
        records = self.revocations
        family = records.refresh_token_family(refresh_token) if records is not None else None
        if records is not None and family is not None:
            sub, origin_jti = family
            records.record(sub, origin_jti=origin_jti, everywhere=False)

    def _record(self, access_token: str, *, everywhere: bool, ahead_seconds: int = 0) -> None:
        """Write the sign-out record for an access token Cognito has just accepted."""
        records = self.revocations
        if records is None:
            return
        claims = claims_of_accepted_token(access_token)
        sub, origin_jti = claims.get("sub"), claims.get("origin_jti")
        if not isinstance(sub, str) or not sub:
            return
        if not isinstance(origin_jti, str) or not origin_jti:
            origin_jti = None
            if not everywhere:
                # No family to revoke (an emulator without origin_jti): the photo
                # handlers then refuse this session's token only after it expires.
                logger.warning("access token has no origin_jti; session not recorded")
                return
        records.record(
            sub, origin_jti=origin_jti, everywhere=everywhere, ahead_seconds=ahead_seconds
        )

    def refresh_token_max_age(self) -> int:
        """The refresh token's lifetime in seconds (the cookie's ``Max-Age``)."""
        return self.idp.refresh_token_validity_seconds


def claims_of_accepted_token(access_token: str) -> dict[str, Any]:
    """The claims of an access token that Cognito has *just issued or accepted* (sign-in,
    refresh, GlobalSignOut or GetUser succeeded); ``{}`` for anything unreadable.

    The signature is not checked here on purpose: Cognito itself has just accepted (or
    minted) this token in the same request, so checking it again against the pool's JWKS
    would add a network fetch and prove nothing more. Never use this on a token Cognito
    has not accepted in the same request.
    """
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


def token_set(result: dict[str, Any]) -> TokenSet:
    """A Cognito ``AuthenticationResult`` as the contract's token response."""
    return TokenSet(
        access_token=result["AccessToken"],
        id_token=result.get("IdToken"),
        refresh_token=result.get("RefreshToken"),
        expires_in=int(result["ExpiresIn"]),
    )
