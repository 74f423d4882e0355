"""``POST /photos/upload-url``: a presigned S3 POST for a large photo (docs/photos.md)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from photos.api import PhotoApp
from photos.models import UploadUrlRequest, UploadUrlResponse
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = PhotoApp(failure_metric="CreateUploadUrlFailures")

_PHOTO_ID = "01M7YMNWGJPB51XQFCN5F0NHAM"


@app.post(
    "/photos/upload-url",
    operation_id="createUploadUrl",
    summary="A presigned POST for uploading a large image straight to S3",
    description="POST a form to `upload.url` with every member of `upload.fields`, then "
    "the file as part `file`. The policy pins `size_bytes` and `content_type`.",
    tags=["photos"],
    openapi_extensions=json_body(
        UploadUrlRequest, {"filename": "beach.png", "content_type": "image/png", "size_bytes": 73}
    ),
    responses=app.responses(
        201,
        UploadUrlResponse,
        "The pending photo's id and its presigned POST.",
        example={
            "photo_id": _PHOTO_ID,
            "upload": {
                "url": "https://moments-photos.s3.amazonaws.com/",
                "fields": {"key": f"a2c21cb3-…/{_PHOTO_ID}", "policy": "eyJ…"},
            },
            "expires_in": 900,
        },
        errors={
            400: ("invalid_request",),
            413: ("payload_too_large",),
            415: ("unsupported_media_type",),
        },
    ),
)
def create_upload_url() -> Response[str]:
    user_sub = app.caller_sub()
    request = parse_json_request(app.current_event, UploadUrlRequest)
    upload = app.service.create_upload_url(user_sub, request)
    app.count("UploadUrlsCreated")
    return json_response(201, upload)


lambda_handler = app.lambda_handler
