"""``GET /photos/{photo_id}``: one of the caller's photos (DESIGN.md, contract v1)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from photos.api import PhotoApp
from shared.http import json_response

app = PhotoApp(failure_metric="GetPhotoFailures")


@app.get("/photos/<photo_id>")
def get_photo(photo_id: str) -> Response:
    user_sub = app.caller_sub()
    photo = app.service.get_photo(user_sub, photo_id)
    app.count("PhotosRead")
    return json_response(200, photo)


lambda_handler = app.lambda_handler
