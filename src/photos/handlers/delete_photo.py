"""``DELETE /photos/{photo_id}``: remove one of the caller's photos (docs/photos.md)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from photos.api import PhotoApp

app = PhotoApp(failure_metric="DeletePhotoFailures")


@app.delete(
    "/photos/<photo_id>",
    operation_id="deletePhoto",
    summary="Delete one photo of the caller",
    tags=["photos"],
    responses=app.responses(204, None, "Deleted.", errors={404: ("not_found",)}),
)
def delete_photo(photo_id: str) -> Response[str]:
    user_sub = app.caller_sub()
    app.service.delete_photo(user_sub, photo_id)
    app.count("PhotosDeleted")
    return Response(status_code=204, body="", headers={"Cache-Control": "no-store"})


lambda_handler = app.lambda_handler
