"""Each photo function publishes one business metric per invocation (CloudWatch EMF on
stdout), success or failure, and never the caller's sub or the photo's name."""

from __future__ import annotations

import json

from tests.handlers.photos.photo_events import as_user, body_of, for_photo, load_event

OTHER_SUB = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"


def application_metrics(stdout: str) -> list[dict]:
    """The EMF records printed by ``@metrics.log_metrics``, minus the ColdStart ones."""
    records = [json.loads(line) for line in stdout.splitlines() if line.startswith('{"_aws"')]
    return [r for r in records if "ColdStart" not in r]


def metric_names(record: dict) -> set[str]:
    return {m["Name"] for m in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]}


def test_an_upload_publishes_photos_uploaded_and_a_foreign_read_get_photo_failures(
    cold_start, capsys
):
    upload, get = cold_start("upload_photo"), cold_start("get_photo")
    owner = load_event("upload_photo")["requestContext"]["authorizer"]["claims"]["sub"]
    capsys.readouterr()
    # Given a photo uploaded by its owner
    response = upload(load_event("upload_photo"))
    assert response["statusCode"] == 201
    photo_id = body_of(response)["photo_id"]
    # When another user asks for it
    foreign = get(as_user(for_photo(load_event("get_photo"), photo_id), OTHER_SUB))
    assert foreign["statusCode"] == 404
    out = capsys.readouterr().out

    # Then the upload counted one PhotosUploaded and the read one GetPhotoFailures
    uploaded, failed = application_metrics(out)
    assert metric_names(uploaded) == {"PhotosUploaded"}
    assert metric_names(failed) == {"GetPhotoFailures"}
    assert failed["error"] == "not_found" and failed["status"] == 404
    for record in (uploaded, failed):
        assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Moments"
        assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    # And neither user's sub nor the filename is in any metric record
    emf = json.dumps([uploaded, failed])
    assert owner not in emf and OTHER_SUB not in emf and "sunset.png" not in emf
