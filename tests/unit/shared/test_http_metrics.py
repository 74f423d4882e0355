"""The shared resolver's failure metric: every error response is counted, successes are not."""

import json

from aws_lambda_powertools import Logger, Metrics

from shared.http import ApiError, build_resolver, json_response


def rest_event(path: str) -> dict:
    return {
        "httpMethod": "GET",
        "path": path,
        "resource": path,
        "headers": {},
        "requestContext": {"stage": "dev", "requestId": "r-1"},
        "body": None,
        "isBase64Encoded": False,
    }


def counting_app(metrics: Metrics):
    app = build_resolver(
        Logger(service="test"), allowed_origin="", metrics=metrics, failure_metric="TestFailures"
    )

    @app.get("/ok")
    def ok():
        return json_response(200, {"ok": True})

    @app.get("/bad")
    def bad():
        raise ApiError(401, "invalid_credentials", "The email or password is wrong.")

    return app


def emitted(metrics: Metrics) -> dict:
    """The EMF record the next flush would print (and clear it)."""
    record = metrics.serialize_metric_set()
    metrics.clear_metrics()
    return record


def test_an_error_response_counts_one_failure_with_its_status_and_code_as_metadata():
    # Given a resolver built with a failure metric
    metrics = Metrics(namespace="Moments", service="test")
    app = counting_app(metrics)
    # When a route answers with a contract error
    response = app.resolve(rest_event("/bad"), None)
    assert response["statusCode"] == 401
    # Then one failure is recorded, the status and error code ride along as metadata
    record = emitted(metrics)
    assert record["TestFailures"] == [1.0]
    assert record["status"] == 401
    assert record["error"] == "invalid_credentials"
    # And they are not dimensions (each dimension value would be a billed custom metric)
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]


def test_an_unknown_route_is_a_failure_too():
    metrics = Metrics(namespace="Moments", service="test")
    counting_app(metrics).resolve(rest_event("/nope"), None)
    record = emitted(metrics)
    assert record["TestFailures"] == [1.0]
    assert record["error"] == "not_found"


def test_a_success_records_no_failure():
    metrics = Metrics(namespace="Moments", service="test")
    response = counting_app(metrics).resolve(rest_event("/ok"), None)
    assert json.loads(response["body"]) == {"ok": True}
    assert metrics.metric_set == {}
