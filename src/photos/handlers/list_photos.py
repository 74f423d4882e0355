"""``GET /photos?limit=&cursor=``: the caller's photos, newest first (DESIGN.md, contract v1)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from photos.api import PhotoApp
from photos.models import ListPhotosQuery
from shared.http import json_response

app = PhotoApp(failure_metric="ListPhotosFailures")


@app.get("/photos")
def list_photos() -> Response:
    user_sub = app.caller_sub()
    query = ListPhotosQuery.model_validate(app.current_event.query_string_parameters)
    page = app.service.list_photos(user_sub, query.limit, query.cursor)
    app.count("PhotoPagesServed")
    return json_response(200, page)


lambda_handler = app.lambda_handler
