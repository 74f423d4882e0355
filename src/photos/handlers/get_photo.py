"""``GET /photos/{photo_id}``: one of the caller's photos (docs/photos.md)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from photos.api import PHOTO, PhotoApp
from photos.models import Photo
from shared.http import json_response

app = PhotoApp(failure_metric="GetPhotoFailures")


@app.get(
    "/photos/<photo_id>",
    operation_id="getPhoto",
    summary="One photo of the caller",
    tags=["photos"],
    responses=app.responses(
        200,
        Photo,
        "The photo, with a short-lived presigned GET `url`.",
        example=PHOTO,
        errors={404: ("not_found",)},
    ),
)
def get_photo(photo_id: str) -> Response[str]:
    user_sub = app.caller_sub()
    photo = app.service.get_photo(user_sub, photo_id)
    app.count("PhotosRead")
    return json_response(200, photo)


lambda_handler = app.lambda_handler
