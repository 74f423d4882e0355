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
module. The emulator stores passwords, so it derives the verifier on the fly instead of
storing one, which Cognito does at sign-up.

Numbers are Python ints; hex strings are lower-case without ``0x``. Nothing here logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

__all__ = ["SrpChallenge", "expected_signature", "new_salt_hex", "start"]

# RFC 3526 section 4 / RFC 5054 appendix A, the 3072-bit group; g = 2.
N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
#: Bits of the server's private value b (RFC 5054: at least 256).
SECRET_BITS = 256
_INFO = b"Caldera Derived Key"


def _hash_hex(hex_string: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_string)).hexdigest()


def pad_hex(value: int | str) -> str:
    """Cognito's padding: even length, and a leading ``00`` when the top bit is set."""
    text = value if isinstance(value, str) else format(value, "x")
    if len(text) % 2:
        text = "0" + text
    elif text[0] in "89abcdefABCDEF":
        text = "00" + text
    return text


_K = int(_hash_hex(pad_hex(N) + pad_hex(G)), 16)


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
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    return int(_hash_hex(pad_hex(salt_hex) + inner), 16)


def _hkdf(ikm: bytes, salt: bytes) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, _INFO + b"\x01", hashlib.sha256).digest()[:16]


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
    u = int(_hash_hex(pad_hex(a) + pad_hex(big_b)), 16)
    x = _x(pool_name, challenge.user_id, password, challenge.salt_hex)
    v = pow(G, x, N)
    s = pow(a * pow(v, u, N), challenge.b, N)
    key = _hkdf(bytes.fromhex(pad_hex(s)), bytes.fromhex(pad_hex(u)))
    message = (
        pool_name.encode()
        + challenge.user_id.encode()
        + base64.b64decode(challenge.secret_block)
        + timestamp.encode()
    )
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
