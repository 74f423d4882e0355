"""``POST /photos/upload-url``: a presigned S3 POST for a large photo (DESIGN.md, contract v1)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from photos.api import PhotoApp
from photos.models import UploadUrlRequest
from shared.http import json_response, parse_json_request

app = PhotoApp(failure_metric="CreateUploadUrlFailures")


@app.post("/photos/upload-url")
def create_upload_url() -> Response:
    user_sub = app.caller_sub()
    request = parse_json_request(app.current_event, UploadUrlRequest)
    upload = app.service.create_upload_url(user_sub, request)
    app.count("UploadUrlsCreated")
    return json_response(201, upload)


lambda_handler = app.lambda_handler
