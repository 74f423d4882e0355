"""The local Cognito's SRP salt reads the same in every client (dev-only server side)."""

from __future__ import annotations

from local_stack.cognito import srp as cognito_srp


def test_every_salt_reads_the_same_as_a_number_and_as_text() -> None:
    # amazon-cognito-identity-js hashes padHex(new BigInteger(SALT, 16)), pycognito
    # pad_hex(SALT): a leading zero digit made them hash different bytes, and about one SRP
    # sign-in in 300 with amazon-cognito-identity-js failed with the right password.
    salts = [cognito_srp.new_salt_hex() for _ in range(20_000)]

    for salt in salts:
        assert len(salt) == 32, salt  # 128 bits
        assert cognito_srp.pad_hex(int(salt, 16)) == cognito_srp.pad_hex(salt), salt
    assert len(set(salts)) == len(salts)  # random, not one fixed value


def test_a_challenge_carries_such_a_salt() -> None:
    challenge = cognito_srp.start("pool", "user-id", "Correct-Horse-9", "ab" * 384)

    assert challenge.salt_hex[0] != "0" and len(challenge.salt_hex) == 32
