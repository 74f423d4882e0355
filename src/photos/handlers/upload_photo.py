"""``POST /photos``: one image as ``multipart/form-data`` part ``file`` (docs/photos.md)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from photos.api import PHOTO, PhotoApp
from photos.models import Photo, body_bytes, parse_upload_form
from shared.http import json_response

app = PhotoApp(failure_metric="UploadPhotoFailures")

# parse_upload_form reads the one `file` part and ignores others (at most 16 parts in
# all), as browsers' forms may carry extra fields.
_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "contentMediaType": "application/octet-stream",
            "description": "The image; its filename is kept (sanitised).",
        }
    },
    "description": "One part named `file`; other parts are ignored.",
}


@app.post(
    "/photos",
    operation_id="uploadPhoto",
    summary="Upload one image (JPEG, PNG, GIF or WebP) as multipart/form-data",
    description="The type is read from the bytes, not from the part's Content-Type. "
    "At most the template's `MaxUploadBytes` (4 MiB by default; Lambda's payload quota "
    "is 6 MB); larger files go through `POST /photos/upload-url`.",
    tags=["photos"],
    openapi_extensions={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": _FORM,
                    "encoding": {
                        "file": {"contentType": "image/jpeg, image/png, image/gif, image/webp"}
                    },
                }
            },
        }
    },
    responses=app.responses(
        201,
        Photo,
        "The stored photo.",
        example=PHOTO,
        errors={
            400: ("invalid_request",),
            413: ("payload_too_large",),
            415: ("unsupported_media_type",),
        },
    ),
)
def upload_photo() -> Response[str]:
    event = app.current_event
    user_sub = app.caller_sub()
    form = parse_upload_form(
        body_bytes(event.body, event.is_base64_encoded), event.headers.get("Content-Type")
    )
    photo = app.service.upload_photo(user_sub, form)
    app.count("PhotosUploaded")
    return json_response(201, photo)


lambda_handler = app.lambda_handler
