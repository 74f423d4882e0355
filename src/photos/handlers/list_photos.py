"""``GET /photos?limit=&cursor=``: the caller's photos, newest first (docs/photos.md)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from photos.api import PHOTO, PhotoApp
from photos.models import ListPhotosQuery, PhotoPage
from shared.app import query_model
from shared.http import json_response

app = PhotoApp(failure_metric="ListPhotosFailures")


@app.get(
    "/photos",
    operation_id="listPhotos",
    summary="The caller's photos, newest first, one page at a time",
    tags=["photos"],
    openapi_extensions=query_model(ListPhotosQuery),
    responses=app.responses(
        200,
        PhotoPage,
        "One page; `next_cursor` is null on the last one.",
        example={"items": [PHOTO], "next_cursor": None},
        errors={400: ("invalid_request",)},
    ),
)
def list_photos() -> Response[str]:
    user_sub = app.caller_sub()
    query = ListPhotosQuery.model_validate(app.current_event.query_string_parameters)
    page = app.service.list_photos(user_sub, query.limit, query.cursor)
    app.count("PhotoPagesServed")
    return json_response(200, page)


lambda_handler = app.lambda_handler
