"""The server side of Amazon Cognito's Secure Remote Password (SRP) sign-in (dev-only).

Cognito's ``USER_SRP_AUTH`` flow (API reference, InitiateAuth and RespondToAuthChallenge;
developer guide, "Authentication flows": SRP) is SRP-6a (RFC 5054) over the 3072-bit
group of RFC 5054 appendix A / RFC 3526 section 4, with SHA-256 and Cognito's own key
derivation, as implemented by the AWS SDKs' clients (``amazon-cognito-identity-js``
``AuthenticationHelper``, ``pycognito.aws_srp``):

* ``k = H(pad(N) | pad(g))``; ``u = H(pad(A) | pad(B))``;
* ``x = H(pad(salt) | H(<pool id after "_"> | USER_ID_FOR_SRP | ":" | password))``;
* ``v = g^x``, ``B = k*v + g^b``, ``S = (A * v^u)^b`` (all mod N);
* ``K = HKDF-SHA256(ikm=pad(S), salt=pad(u), info="Caldera Derived Key")``, 16 bytes;
* ``PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(K, <pool id after "_"> |
  USER_ID_FOR_SRP | SECRET_BLOCK (decoded) | TIMESTAMP))``.

No maintained Python package implements this server side (the ``srp`` package is RFC 5054
without Cognito's HKDF and ``x``; ``pycognito``/``warrant-lite`` are clients), hence this
module; what client and server share comes from ``pycognito.aws_srp``. The emulator stores passwords, so it derives the verifier on the fly instead of
storing one, which Cognito does at sign-up.

Numbers are Python ints; hex strings are lower-case without ``0x``. Nothing here logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from pycognito.aws_srp import (
    G_HEX,
    N_HEX,
    calculate_u,
    compute_hkdf,
    hash_sha256,
    hex_hash,
    hex_to_long,
    pad_hex,
)

__all__ = ["SrpChallenge", "expected_signature", "new_salt_hex", "pad_hex", "start"]

# The math client and server share is pycognito's (``pycognito.aws_srp``, the port of
# amazon-cognito-identity-js's AuthenticationHelper): the group N, g = 2 (RFC 3526 section
# 4 / RFC 5054 appendix A, 3072 bits), Cognito's ``pad_hex``, ``u`` and the HKDF with
# "Caldera Derived Key". Only the server side (b, B, v, the salt and the proof check) is
# ours: pycognito is a client.
N = hex_to_long(N_HEX)
G = hex_to_long(G_HEX)
#: Bits of the server's private value b (RFC 5054: at least 256).
SECRET_BITS = 256
_K = hex_to_long(hex_hash(pad_hex(N) + pad_hex(G)))


def new_salt_hex() -> str:
    """A 128-bit ``SALT`` (32 hex digits) whose first digit is not ``0``.

    Clients read ``SALT`` two ways: ``amazon-cognito-identity-js`` parses it as a number
    (``new BigInteger(SALT, 16)``, CognitoUser.js) and pads that, dropping leading zeros;
    ``pycognito`` pads the string as sent. For a salt like ``007f...`` the two hash
    different bytes into ``x``, and one of them fails with the right password (1 sign-in
    in 300 failed that way with amazon-cognito-identity-js). Without a leading zero digit
    both read the same bytes, so every client derives the same ``x``.
    """
    return format(secrets.randbits(128) | (1 << 124), "032x")


def _x(pool_name: str, user_id: str, password: str, salt_hex: str) -> int:
    """Cognito's private key x = H(pad(salt) | H(pool name | user id | ":" | password)), as
    pycognito's ``AWSSRP.get_password_authentication_key`` derives it (not a function of
    its own there)."""
    inner = hash_sha256(f"{pool_name}{user_id}:{password}".encode())
    return hex_to_long(hex_hash(pad_hex(salt_hex) + inner))


@dataclass
class SrpChallenge:
    """One ``PASSWORD_VERIFIER`` challenge in flight (plain data, serialisable).

    ``b`` is the server's private ephemeral; ``secret_block`` is the base64 text sent as
    ``SECRET_BLOCK``. ``password`` is empty for a simulated challenge (unknown user under
    ``PreventUserExistenceErrors``), which no proof can pass.
    """

    user_id: str
    a_hex: str
    b: int
    b_hex: str
    salt_hex: str
    secret_block: str
    simulated: bool = False


def start(
    pool_name: str, user_id: str, password: str, a_hex: str, *, simulated: bool = False
) -> SrpChallenge:
    """Begin SRP for ``user_id`` given the client's ``SRP_A`` (hex).

    :param pool_name: the user pool id after its ``region_`` prefix.
    :raises ValueError: ``SRP_A`` is not hex or is 0 mod N (RFC 5054 section 2.5.4: abort).
    """
    a = int(a_hex, 16)
    if a % N == 0:
        raise ValueError("SRP_A is 0 mod N")
    salt_hex = new_salt_hex()
    # RFC 5054 (section 2.5: "SHOULD be at least 256-bit random numbers") asks for 256 bits
    # of private value; an exponent the size of N (3072 bits) made each modular
    # exponentiation 12x slower for no added security.
    b = secrets.randbits(SECRET_BITS) | (1 << (SECRET_BITS - 1))  # exactly 256 bits
    v = pow(G, _x(pool_name, user_id, password, salt_hex), N)
    big_b = (_K * v + pow(G, b, N)) % N
    block = base64.b64encode(secrets.token_bytes(64)).decode()
    return SrpChallenge(user_id, a_hex, b, format(big_b, "x"), salt_hex, block, simulated)


def expected_signature(
    challenge: SrpChallenge, pool_name: str, password: str, timestamp: str
) -> str:
    """The ``PASSWORD_CLAIM_SIGNATURE`` (base64) a client knowing ``password`` sends."""
    a, big_b = int(challenge.a_hex, 16), int(challenge.b_hex, 16)
    u = calculate_u(a, big_b)
    x = _x(pool_name, challenge.user_id, password, challenge.salt_hex)
    v = pow(G, x, N)
    s = pow(a * pow(v, u, N), challenge.b, N)
    key = compute_hkdf(bytes.fromhex(pad_hex(s)), bytes.fromhex(pad_hex(u)))
    message = (
        pool_name.encode()
        + challenge.user_id.encode()
        + base64.b64decode(challenge.secret_block)
        + timestamp.encode()
    )
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
