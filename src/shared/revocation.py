"""Sign-out records: written by the auth broker, read by the photo handlers.

API Gateway's Cognito authorizer checks an access token's signature, issuer, expiry and
scope, but not whether the user signed out: after RevokeToken or GlobalSignOut, Cognito
refuses the token on its own APIs, yet the authorizer admits it until it expires (Cognito
guide, "Revoking tokens": revoked tokens "can't be used with any Amazon Cognito API calls
that require a token"; nothing reaches API Gateway). So the broker records each sign-out
in a DynamoDB table and the photo handlers read it, one ``GetItem`` per request.

One item per user (the table's key is ``user_sub``, string):

- ``not_before`` (number, epoch seconds): written by sign-out "everywhere"
  (GlobalSignOut). Every access token of the user with ``iat < not_before`` is revoked.
  ``iat`` has one-second resolution, so a token issued in the sign-out's own second is
  not covered by ``not_before``: a sign-in right after the sign-out must work. The
  signing-out session's own tokens are still refused, by their family (below); what
  remains is another session's token minted in that same second.
- ``family#<origin_jti>`` (number, epoch seconds of the sign-out): written when one
  session signs out (RevokeToken). Cognito stamps every access token minted from one
  refresh token with the same ``origin_jti`` (Cognito guide, "The access token"), so this
  revokes that session's tokens and no others.
- ``expires_at`` (number, epoch seconds): the table's TTL attribute, set to the sign-out
  time plus the access-token lifetime. After that every token the record could refuse has
  expired anyway, and DynamoDB deletes the item on its own (TTL deletion is lazy, usually
  within days; a late delete only keeps refusing tokens that are already expired).

The check is one strongly consistent ``GetItem`` of at most a few attributes (a
``ProjectionExpression`` on ``not_before`` and the token's family): 1 read capacity unit,
and "at once" means the next request after the sign-out's response.

Refresh-token families share the table (issue 23), as items of their own whose key is
``refresh_token#<keyed hash>`` (a user's ``sub`` is a UUID and never has that prefix, so
the two kinds cannot collide, and the photo handlers never read these items). The broker
writes one whenever it hands out a refresh token; sign-out with only that refresh token
reads it to learn whose session to revoke:

- ``user_sub``: ``refresh_token#`` + the hex HMAC-SHA256 of the refresh token under a key
  only the broker holds (:func:`refresh_token_key`): never the token itself, and useless
  without the key.
- ``sub``, ``origin_jti`` (strings): the user and the session family of the access token
  issued with that refresh token.
- ``expires_at``: the issue time plus the refresh token's lifetime (after that the token
  cannot sign anyone out of anything).
"""

from __future__ import annotations

from typing import Any

#: The table's partition key and TTL attribute names (template.yaml ``RevocationsTable``).
KEY = "user_sub"
TTL_ATTRIBUTE = "expires_at"
NOT_BEFORE = "not_before"
FAMILY_PREFIX = "family#"
REFRESH_TOKEN_PREFIX = "refresh_token#"


def record_sign_out(
    client: Any,
    table_name: str,
    *,
    user_sub: str,
    now: int,
    ttl_seconds: int,
    origin_jti: str | None = None,
    everywhere: bool = False,
) -> None:
    """Record a sign-out with one ``UpdateItem`` (creates the item if needed).

    Args:
        client: a boto3 ``dynamodb`` client.
        table_name: the revocations table.
        user_sub: the token's ``sub``.
        now: the sign-out time, epoch seconds.
        ttl_seconds: the access-token lifetime, seconds (the record's TTL).
        origin_jti: the session's refresh-token family, to revoke that session.
        everywhere: revoke every access token issued up to ``now``.

    Raises:
        ValueError: neither ``origin_jti`` nor ``everywhere``.
        botocore.exceptions.ClientError: the write failed.
    """
    if not origin_jti and not everywhere:
        raise ValueError("a sign-out record needs origin_jti or everywhere")
    sets = ["#ttl = :expires"]
    names = {"#ttl": TTL_ATTRIBUTE}
    values: dict[str, Any] = {":expires": {"N": str(now + ttl_seconds)}, ":now": {"N": str(now)}}
    if everywhere:
        sets.append("#nb = :now")
        names["#nb"] = NOT_BEFORE
    if origin_jti:
        sets.append("#family = :now")
        names["#family"] = FAMILY_PREFIX + origin_jti
    client.update_item(
        TableName=table_name,
        Key={KEY: {"S": user_sub}},
        UpdateExpression="SET " + ", ".join(sets),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def is_revoked(
    client: Any,
    table_name: str,
    *,
    user_sub: str,
    issued_at: int,
    origin_jti: str | None,
) -> bool:
    """Whether a sign-out recorded for ``user_sub`` covers a token issued at ``issued_at``.

    A token without ``origin_jti`` (an emulator that does not stamp it) is checked
    against ``not_before`` alone.

    Args:
        client: a boto3 ``dynamodb`` client.
        table_name: the revocations table.
        user_sub: the token's ``sub``.
        issued_at: the token's ``iat``, epoch seconds.
        origin_jti: the token's ``origin_jti`` claim, if any.

    Raises:
        botocore.exceptions.ClientError: the read failed (callers fail closed).
    """
    names = {"#nb": NOT_BEFORE}
    projection = "#nb"
    if origin_jti:
        names["#family"] = FAMILY_PREFIX + origin_jti
        projection += ", #family"
    item = client.get_item(
        TableName=table_name,
        Key={KEY: {"S": user_sub}},
        ConsistentRead=True,
        ProjectionExpression=projection,
        ExpressionAttributeNames=names,
    ).get("Item")
    if not item:
        return False
    if origin_jti and FAMILY_PREFIX + origin_jti in item:
        return True
    not_before = item.get(NOT_BEFORE, {}).get("N")
    return not_before is not None and issued_at < int(not_before)


def refresh_token_key(key: bytes, refresh_token: str) -> str:
    """The table key of ``refresh_token``'s family item: ``refresh_token#`` + the hex
    HMAC-SHA256 (RFC 2104) of the token under ``key``.

    A keyed hash, not a plain one: a table reader who also holds a refresh token learns
    nothing from the keys, and the key never leaves the broker.
    """
    import hashlib
    import hmac

    digest = hmac.new(key, refresh_token.encode(), hashlib.sha256).hexdigest()
    return REFRESH_TOKEN_PREFIX + digest


def record_refresh_family(
    client: Any,
    table_name: str,
    *,
    key: str,
    user_sub: str,
    origin_jti: str,
    now: int,
    ttl_seconds: int,
) -> None:
    """Remember which user and session family a refresh token belongs to (one ``PutItem``).

    Args:
        client: a boto3 ``dynamodb`` client.
        table_name: the revocations table.
        key: :func:`refresh_token_key` of the refresh token.
        user_sub: the ``sub`` of the access token issued with it.
        origin_jti: that access token's ``origin_jti``.
        now: epoch seconds.
        ttl_seconds: the refresh token's lifetime, seconds (the item's TTL).

    Raises:
        botocore.exceptions.ClientError: the write failed.
    """
    client.put_item(
        TableName=table_name,
        Item={
            KEY: {"S": key},
            "sub": {"S": user_sub},
            "origin_jti": {"S": origin_jti},
            TTL_ATTRIBUTE: {"N": str(now + ttl_seconds)},
        },
    )


def find_refresh_family(
    client: Any, table_name: str, *, key: str, now: int
) -> tuple[str, str] | None:
    """``(sub, origin_jti)`` recorded for a refresh token, or ``None`` (never recorded, or
    past its TTL: DynamoDB deletes expired items lazily, so the TTL is checked here too).

    Raises:
        botocore.exceptions.ClientError: the read failed.
    """
    item = client.get_item(TableName=table_name, Key={KEY: {"S": key}}, ConsistentRead=True).get(
        "Item"
    )
    if not item or int(item.get(TTL_ATTRIBUTE, {}).get("N", "0")) <= now:
        return None
    sub, origin_jti = item.get("sub", {}).get("S"), item.get("origin_jti", {}).get("S")
    return (sub, origin_jti) if sub and origin_jti else None
