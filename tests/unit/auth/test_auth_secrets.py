"""SECRET_HASH and client_secret_basic: the two values Cognito checks byte for byte."""

from moto.cognitoidp.utils import check_secret_hash

from auth.cognito import client_secret_basic, secret_hash


def test_secret_hash_matches_a_known_vector():
    # Given the Cognito recipe Base64(HMAC_SHA256(secret, username + client_id)),
    # computed independently with `openssl dgst -sha256 -hmac ... -binary | base64`
    # When the broker computes it
    value = secret_hash("example-client-secret", "jane.doe@example.com", "1example23456789")
    # Then it is the same value
    assert value == "gTunVAperLdbpkZio/Xs6hBlg5IDIx53h9HS21Nr7us="


def test_secret_hash_is_accepted_by_an_independent_implementation():
    value = secret_hash("s3cr3t", "someone@example.com", "clientid")
    assert check_secret_hash("s3cr3t", "clientid", "someone@example.com", value)
    assert not check_secret_hash("s3cr3t", "clientid", "other@example.com", value)


def test_client_secret_basic_encodes_id_and_secret_as_rfc_6749_requires():
    # RFC 6749 section 2.3.1: "client_id:client_secret", each form-urlencoded, then base64
    assert (
        client_secret_basic("1example23456789", "example-client-secret")
        == "Basic MWV4YW1wbGUyMzQ1Njc4OTpleGFtcGxlLWNsaWVudC1zZWNyZXQ="
    )
    # "+" -> %2B, " " -> "+", ":" and "/" escaped, UTF-8 percent-encoded
    assert (
        client_secret_basic("client+id", "sécret with spaces:/+")
        == "Basic Y2xpZW50JTJCaWQ6cyVDMyVBOWNyZXQrd2l0aCtzcGFjZXMlM0ElMkYlMkI="
    )
