"""The local Cognito's added state of a pool as JSON-ready data, and back (``make dev``
keeps it across restarts with moto's own pool data; :mod:`local_stack.saved_state`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpUserPool,
)

from local_stack.cognito import srp as cognito_srp
from local_stack.cognito.state import (
    LOCK,
    STATE_ATTRIBUTE,
    AccessMeta,
    ChallengeSession,
    Code,
    Failures,
    Family,
    Passkey,
    PoolState,
    RefreshMeta,
    Registration,
    SrpSession,
    pool_state,
)


def export_state(pool: CognitoIdpUserPool) -> dict[str, Any]:
    """What this module keeps for ``pool`` (:class:`PoolState`) as JSON-ready data.

    moto's own pool data (users, ``refresh_tokens`` with revocations as ``None``,
    ``access_tokens``) is not included; a stack that persists its state saves both.
    Tuple keys become ``"<user id>|<kind>"`` strings. See :func:`import_state`.
    """
    with LOCK:
        state = pool_state(pool)
        return {
            "codes": {f"{k[0]}|{k[1]}": asdict(v) for k, v in state.codes.items()},
            "families": {k: asdict(v) for k, v in state.families.items()},
            "refresh": {k: asdict(v) for k, v in state.refresh.items()},
            "access": {k: asdict(v) for k, v in state.access.items()},
            "failures": {k: asdict(v) for k, v in state.failures.items()},
            "code_failures": {f"{k[0]}|{k[1]}": v for k, v in state.code_failures.items()},
            "srp": {k: asdict(v) for k, v in state.srp.items()},
            "totp_pending": dict(state.totp_pending),
            "totp": dict(state.totp),
            "totp_last_step": dict(state.totp_last_step),
            "mfa": {k: asdict(v) for k, v in state.mfa.items()},
            "pending_email": dict(state.pending_email),
            "webauthn_config": dict(state.webauthn_config),
            "passkeys": {k: asdict(v) for k, v in state.passkeys.items()},
            "registrations": {k: asdict(v) for k, v in state.registrations.items()},
        }


def import_state(pool: CognitoIdpUserPool, data: dict[str, Any]) -> None:
    """Replace ``pool``'s :class:`PoolState` with an :func:`export_state` result."""

    def pair(key: str) -> tuple[str, str]:
        user_id, _, kind = key.rpartition("|")
        return user_id, kind

    state = PoolState(
        codes={pair(k): Code(**v) for k, v in (data.get("codes") or {}).items()},
        families={
            k: Family(**{**v, "scopes": tuple(v["scopes"])})
            for k, v in (data.get("families") or {}).items()
        },
        refresh={k: RefreshMeta(**v) for k, v in (data.get("refresh") or {}).items()},
        access={k: AccessMeta(**v) for k, v in (data.get("access") or {}).items()},
        failures={k: Failures(**v) for k, v in (data.get("failures") or {}).items()},
        code_failures={pair(k): int(v) for k, v in (data.get("code_failures") or {}).items()},
        srp={
            k: SrpSession(**{**v, "challenge": cognito_srp.SrpChallenge(**v["challenge"])})
            for k, v in (data.get("srp") or {}).items()
        },
        totp_pending=dict(data.get("totp_pending") or {}),
        totp=dict(data.get("totp") or {}),
        totp_last_step={k: int(v) for k, v in (data.get("totp_last_step") or {}).items()},
        mfa={k: ChallengeSession(**v) for k, v in (data.get("mfa") or {}).items()},
        pending_email=dict(data.get("pending_email") or {}),
        webauthn_config=dict(data.get("webauthn_config") or {}),
        passkeys={k: Passkey(**v) for k, v in (data.get("passkeys") or {}).items()},
        registrations={k: Registration(**v) for k, v in (data.get("registrations") or {}).items()},
    )
    with LOCK:
        pool.__dict__[STATE_ATTRIBUTE] = state
