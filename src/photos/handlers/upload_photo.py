"""``POST /photos``: one image as ``multipart/form-data`` part ``file`` (DESIGN.md, contract v1)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from photos.api import PhotoApp
from photos.models import body_bytes, parse_upload_form
from shared.http import json_response

app = PhotoApp(failure_metric="UploadPhotoFailures")


@app.post("/photos")
def upload_photo() -> Response:
    event = app.current_event
    user_sub = app.caller_sub()
    form = parse_upload_form(
        body_bytes(event.body, event.is_base64_encoded), event.headers.get("Content-Type")
    )
    photo = app.service.upload_photo(user_sub, form)
    app.count("PhotosUploaded")
    return json_response(201, photo)


lambda_handler = app.lambda_handler
