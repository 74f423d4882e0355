"""The photo service's edge: multipart parsing, filenames, request models, config."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from photos.config import load_config
from photos.errors import InvalidRequest
from photos.models import (
    MAX_FILENAME_CHARS,
    ListPhotosQuery,
    UploadUrlRequest,
    body_bytes,
    clean_filename,
    parse_upload_form,
)

BOUNDARY = "b0undary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def form(*parts: bytes) -> bytes:
    return b"".join(f"--{BOUNDARY}\r\n".encode() + p + b"\r\n" for p in parts) + (
        f"--{BOUNDARY}--\r\n".encode()
    )


def file_part(name: str = "file", filename: str = "a.png", data: bytes = b"\x89PNG") -> bytes:
    return (
        f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + data


def test_the_file_part_is_found_among_other_fields():
    body = form(b'Content-Disposition: form-data; name="title"\r\n\r\nhello', file_part())

    upload = parse_upload_form(body, CONTENT_TYPE)

    assert (upload.filename, upload.data) == ("a.png", b"\x89PNG")


def test_binary_data_survives_byte_for_byte():
    data = bytes(range(256)) * 4 + b"\r\n--b0und"  # CRLFs and a boundary prefix inside

    assert parse_upload_form(form(file_part(data=data)), CONTENT_TYPE).data == data


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (form(file_part()), "application/json"),
        (form(file_part()), "multipart/form-data"),  # no boundary
        (b"garbage", CONTENT_TYPE),
        (form(file_part(name="photo")), CONTENT_TYPE),
        (form(file_part(), file_part()), CONTENT_TYPE),
        (form(b'Content-Disposition: form-data; name="file"\r\n\r\ntext'), CONTENT_TYPE),
    ],
)
def test_anything_but_one_file_part_named_file_is_400(body, content_type):
    with pytest.raises(InvalidRequest):
        parse_upload_form(body, content_type)


def test_body_bytes_decodes_api_gateways_base64():
    assert body_bytes("iVBORw==", True) == b"\x89PNG"
    assert body_bytes(None, True) == b""
    with pytest.raises(InvalidRequest):
        body_bytes("not base64!", True)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("cat.png", "cat.png"),
        ("C:\\Users\\ada\\cat.png", "cat.png"),
        ("../../etc/passwd", "passwd"),
        ("  my\tsummer\n photo .jpg ", "my summer photo .jpg"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("\x00\x01", "photo"),
        ("", "photo"),
        ("Cafe\u0301.jpg", "Caf\u00e9.jpg"),
    ],
)
def test_filenames_are_sanitised(raw, clean):
    assert clean_filename(raw) == clean


def test_long_filenames_are_cut_keeping_the_extension():
    cleaned = clean_filename("x" * 500 + ".jpeg")

    assert len(cleaned) == MAX_FILENAME_CHARS and cleaned.endswith(".jpeg")


def test_list_query_defaults_and_bounds():
    assert ListPhotosQuery.model_validate({}).limit == 20
    assert ListPhotosQuery.model_validate({"limit": "100"}).limit == 100
    for bad in ({"limit": "0"}, {"limit": "101"}, {"owner": "x"}):
        with pytest.raises(ValidationError):
            ListPhotosQuery.model_validate(bad)


def test_upload_url_request_forbids_extra_fields_like_an_owner():
    with pytest.raises(ValidationError):
        UploadUrlRequest.model_validate(
            {"filename": "a.jpg", "content_type": "image/jpeg", "size_bytes": 1, "user_sub": "x"}
        )


ENV = {
    "PHOTOS_TABLE_NAME": "photos",
    "PHOTOS_BUCKET_NAME": "photos-bucket",
    "MAX_UPLOAD_BYTES": "4194304",
    "MAX_DIRECT_UPLOAD_BYTES": "20971520",
    "URL_EXPIRES_SECONDS": "900",
    "AWS_REGION": "eu-west-1",
    "TOKEN_VERIFICATION": "authorizer",
    "USER_POOL_ID": "eu-west-1_abc",
    "USER_POOL_CLIENT_ID": "client",
    "JWKS_URL": "",
}


def test_config_derives_the_pools_issuer_and_jwks_url():
    config = load_config(ENV)

    assert config.pending_ttl_seconds == 24 * 3600  # default: abandoned uploads live a day
    assert config.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"
    assert config.signing_keys_url == f"{config.issuer}/.well-known/jwks.json"
    assert load_config({**ENV, "JWKS_URL": "http://127.0.0.1:1/j"}).signing_keys_url.endswith("/j")


@pytest.mark.parametrize(
    "change",
    [
        {"TOKEN_VERIFICATION": "handler", "USER_POOL_ID": ""},
        {"TOKEN_VERIFICATION": "none"},
        {"MAX_UPLOAD_BYTES": "10485760"},  # over Lambda's payload-safe 4 MiB
        {"PHOTOS_TABLE_NAME": ""},
        # a pending row must outlive its upload URL, or a slow upload lands rowless
        {"PENDING_TTL_SECONDS": "3600", "URL_EXPIRES_SECONDS": "7200"},
        {"PENDING_TTL_SECONDS": "60"},
    ],
)
def test_a_bad_environment_fails_at_cold_start(change):
    with pytest.raises(ValidationError):
        load_config({**ENV, **change})


def test_photo_errors_carry_no_status_and_aws_errors_share_their_table():
    from botocore.exceptions import ClientError

    from photos import errors

    # Given: what the logic raises, and what the store lets through
    refusal = errors.PhotoNotFound()
    lost = ClientError(
        {"Error": {"Code": "ConditionalCheckFailedException", "Message": "x"}}, "DeleteItem"
    )
    busy = ClientError({"Error": {"Code": "ThrottlingException", "Message": "x"}}, "Query")
    # Then: no HTTP in the domain error; both kinds are answered by the one table
    assert not hasattr(refusal, "status")
    assert errors.error_mapping(refusal) == errors.error_mapping(errors.from_client_error(lost))
    assert (errors.error_mapping(refusal).status, errors.error_mapping(refusal).error) == (
        404,
        "not_found",
    )
    busy_answer = errors.error_mapping(errors.from_client_error(busy)).api_error()
    assert (busy_answer.status, busy_answer.headers) == (503, {"Retry-After": "1"})
    unknown = ClientError({"Error": {"Code": "AccessDenied", "Message": "x"}}, "GetItem")
    assert errors.error_mapping(errors.from_client_error(unknown)).status == 500
