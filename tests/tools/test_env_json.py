"""`make env-json STACK=<name>`: env.json for `sam local start-api`, from a deployed stack.

The stack is a moto CloudFormation stack with template.yaml's parameters and outputs
(moto cannot create Cognito resources from a template, so each output holds a literal
"deployed" value). The functions and the variables they declare come from template.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from local_stack.template import load_yaml
from tools.env_json import (
    TEMPLATE_PATH,
    EnvJsonError,
    StackFacts,
    build_env_json,
    function_environments,
    main,
)

REGION = "eu-west-1"
STACK = "moments-test"
TEMPLATE = load_yaml(TEMPLATE_PATH)
DEPLOYED_OUTPUTS = {
    "ApiUrl": "https://a1b2c3.execute-api.eu-west-1.amazonaws.com/test",
    "UserPoolId": "eu-west-1_Pool42",
    "UserPoolClientId": "client42",
    "HostedUiDomain": "https://moments-test-123456789012.auth.eu-west-1.amazoncognito.com",
    "PhotosBucketName": "moments-test-photosbucket-xyz",
    "PhotosTableName": "moments-test-PhotosTable-XYZ",
}
DEPLOYED_PARAMETERS = {
    "Stage": "test",
    "CallbackUrls": "https://app.example.com/,http://localhost:3000/",
    "AllowedOrigin": "https://app.example.com",
}


def _deployed_outputs() -> dict[str, str]:
    """A literal value for every output the template declares (new outputs included)."""
    return {key: DEPLOYED_OUTPUTS.get(key, f"deployed-{key}") for key in TEMPLATE["Outputs"]}


def _stand_in_template() -> str:
    """template.yaml's parameters and outputs, with outputs as literal deployed values.

    List parameters become Strings here only because moto's DescribeStacks renders a
    list's value as a Python repr; CloudFormation returns the comma-joined text, which is
    what a String parameter gives back.
    """
    parameters = {
        name: {**spec, "Type": "String"} if "List" in spec["Type"] else spec
        for name, spec in TEMPLATE["Parameters"].items()
    }
    return json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": parameters,
            "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {key: {"Value": value} for key, value in _deployed_outputs().items()},
        }
    )


@pytest.fixture
def deployed_stack():
    """Given a Moments stack deployed in REGION."""
    with mock_aws():
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=STACK,
            TemplateBody=_stand_in_template(),
            Parameters=[
                {"ParameterKey": key, "ParameterValue": value}
                for key, value in DEPLOYED_PARAMETERS.items()
            ],
        )
        yield


def _run(tmp_path: Path, *extra: str) -> tuple[int, dict | None]:
    output = tmp_path / "env.json"
    code = main(["--stack", STACK, "--region", REGION, "--output", str(output), *extra])
    return code, json.loads(output.read_text()) if output.exists() else None


def test_auth_functions_get_the_deployed_pool_client_and_hosted_ui(deployed_stack, tmp_path):
    # When
    code, env = _run(tmp_path)

    # Then
    assert code == 0
    sign_up = env["SignUpFunction"]
    assert sign_up["USER_POOL_ID"] == "eu-west-1_Pool42"
    assert sign_up["USER_POOL_CLIENT_ID"] == "client42"
    assert sign_up["COGNITO_DOMAIN_URL"] == DEPLOYED_OUTPUTS["HostedUiDomain"]
    assert sign_up["CALLBACK_URLS"] == DEPLOYED_PARAMETERS["CallbackUrls"]
    assert sign_up["ALLOWED_ORIGIN"] == "https://app.example.com"
    assert sign_up["STAGE"] == "test"


def test_photo_functions_verify_the_bearer_token_themselves(deployed_stack, tmp_path):
    # When
    _, env = _run(tmp_path)

    # Then: sam local runs no authorizer, so each photo handler checks the access token
    # against the deployed pool and app client
    photo_functions = [
        name
        for name, variables in function_environments(TEMPLATE).items()
        if variables.get("POWERTOOLS_SERVICE_NAME") == "photos"
    ]
    assert photo_functions
    for name in photo_functions:
        assert env[name]["TOKEN_VERIFICATION"] == "handler", name
        assert env[name]["USER_POOL_ID"] == "eu-west-1_Pool42", name
        assert env[name]["USER_POOL_CLIENT_ID"] == "client42", name
        assert env[name]["PHOTOS_TABLE_NAME"] == DEPLOYED_OUTPUTS["PhotosTableName"], name
        assert env[name]["PHOTOS_BUCKET_NAME"] == DEPLOYED_OUTPUTS["PhotosBucketName"], name


def test_every_declared_variable_of_every_function_gets_a_value(deployed_stack, tmp_path):
    # When
    _, env = _run(tmp_path)

    # Then: SAM ignores names a function does not declare, so env.json holds exactly the
    # template's functions and variables, all resolved (no intrinsic left as a dict)
    declared = function_environments(TEMPLATE)
    assert {name: set(v) for name, v in env.items()} == {n: set(v) for n, v in declared.items()}
    assert all(isinstance(value, str) for v in env.values() for value in v.values())


def test_a_missing_stack_is_a_clear_error_and_writes_nothing(deployed_stack, tmp_path, capsys):
    # When
    code = main(
        ["--stack", "no-such-stack", "--region", REGION, "--output", str(tmp_path / "env.json")]
    )

    # Then
    assert code == 1
    error = capsys.readouterr().err
    assert "'no-such-stack' does not exist in eu-west-1" in error
    assert not (tmp_path / "env.json").exists()


def test_no_credentials_is_a_clear_error(tmp_path, monkeypatch, capsys):
    # Given: no credentials anywhere the SDK looks (and no instance metadata)
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    # When
    code = main(["--stack", STACK, "--region", REGION, "--output", str(tmp_path / "env.json")])

    # Then
    assert code == 1
    assert "no AWS credentials found" in capsys.readouterr().err


def test_a_variable_no_output_exposes_is_named_in_the_error():
    # Given: a function reads a resource that the template's outputs do not expose
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Environment": {"Variables": {"QUEUE_URL": {"Ref": "Queue"}}}},
            }
        },
        "Outputs": {"Other": {"Value": {"Ref": "Other"}}},
    }
    stack = StackFacts(
        name="s",
        status="CREATE_COMPLETE",
        region=REGION,
        account_id="123456789012",
        partition="aws",
        outputs={"Other": "x"},
    )

    # When / Then
    with pytest.raises(EnvJsonError, match=r"Fn\.QUEUE_URL: no output exposes resource 'Queue'"):
        build_env_json(template, stack)


def test_a_stack_still_deploying_has_no_outputs_and_says_so():
    # Given
    stack = StackFacts(
        name="s",
        status="CREATE_IN_PROGRESS",
        region=REGION,
        account_id="123456789012",
        partition="aws",
    )

    # When / Then
    with pytest.raises(EnvJsonError, match="no outputs \\(status CREATE_IN_PROGRESS\\)"):
        build_env_json(TEMPLATE, stack)
