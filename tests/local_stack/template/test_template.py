"""The local stack reads what it serves from template.yaml, as CloudFormation + SAM would.

The real template is the fixture: a route, an environment variable or an authorizer setting
added there must show up here without any change to the local stack.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from local_stack.template import IMPLICIT_API_ID, Template, TemplateError

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
POOL_ID = "us-east-1_AbCdEf123"


def plain_yaml() -> dict:
    """The template's resources, read independently of local_stack (tags kept as-is)."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load(TEMPLATE.read_text(), Loader=Loader)  # a SafeLoader subclass


@pytest.fixture
def template() -> Template:
    # Given the real template with a provisioned user pool and app client
    t = Template.load(TEMPLATE)
    t.physical_ids.update({"UserPool": POOL_ID, "UserPoolClient": "client123"})
    t.attributes[("UserPool", "Arn")] = (
        f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL_ID}"
    )
    return t


def test_every_api_event_of_the_template_is_a_route(template):
    # Given the Api events declared in template.yaml
    raw = plain_yaml()["Resources"]
    declared = {
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"], logical_id)
        for logical_id, resource in raw.items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in (resource["Properties"].get("Events") or {}).values()
        if event["Type"] == "Api"
    }

    # When the local stack reads its routes
    routes = {(r.method, r.path, r.function_id) for r in template.routes()}

    # Then it serves exactly those
    assert routes == declared
    assert ("GET", "/photos/{photo_id}", "GetPhotoFunction") in routes


def test_photo_routes_use_the_default_authorizer_and_auth_routes_are_open(template):
    routes = template.routes()
    for route in routes:
        if route.path.startswith("/photos"):
            assert route.authorizer == "CognitoAuthorizer", route
        # The account routes (issue 13) and its passkeys (issue 20) act on the signed-in
        # user: behind the authorizer.
        if route.path.startswith(("/auth/mfa", "/auth/account", "/auth/passkeys")):
            assert route.authorizer == "CognitoAuthorizer", route
        elif route.path.startswith("/auth/"):
            assert route.authorizer is None, route


def test_the_authorizer_reads_pool_header_and_scopes_from_the_api(template):
    api = template.apis()["MomentsApi"]
    authorizer = api.authorizers["CognitoAuthorizer"]

    assert authorizer.user_pool_arns == (
        f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL_ID}",
    )
    assert authorizer.header == "Authorization"
    assert "aws.cognito.signin.user.admin" in authorizer.scopes
    assert api.add_default_authorizer_to_cors_preflight is False


def test_api_settings_binary_types_cors_and_gateway_responses(template):
    api = template.apis()["MomentsApi"]

    assert "multipart/form-data" in api.binary_media_types  # "~1" is "/"
    assert api.cors is not None and api.cors.allow_origin == "http://localhost:3000"
    assert "Authorization" in (api.cors.allow_headers or "")
    unauthorized = api.gateway_responses["UNAUTHORIZED"]
    assert unauthorized.status == 401
    assert '"error": "unauthorized"' in unauthorized.templates["application/json"]
    assert unauthorized.headers["WWW-Authenticate"] == "Bearer"  # quotes removed
    assert api.stage == "dev"


def test_function_environment_merges_globals_and_resolves_physical_ids(template):
    functions = template.functions()
    sign_up = functions["SignUpFunction"]
    photos = functions["ListPhotosFunction"]

    # Globals + the function's own variables, intrinsics resolved to provisioned ids
    assert sign_up.environment["USER_POOL_ID"] == POOL_ID
    assert sign_up.environment["USER_POOL_CLIENT_ID"] == "client123"
    assert sign_up.environment["STAGE"] == "dev"
    assert sign_up.environment["POWERTOOLS_SERVICE_NAME"] == "auth"
    assert photos.environment["POWERTOOLS_SERVICE_NAME"] == "photos"
    # and exactly the variables the template gives each function, no more
    raw = plain_yaml()
    global_vars = raw["Globals"]["Function"]["Environment"]["Variables"]
    for logical_id, spec in functions.items():
        own = raw["Resources"][logical_id]["Properties"]["Environment"]["Variables"]
        assert set(spec.environment) == set(global_vars) | set(own), logical_id
    assert sign_up.handler == "auth.handlers.sign_up.lambda_handler"
    assert sign_up.code_uri == ROOT / "src"
    assert sign_up.timeout_s > 0 and sign_up.memory_mb >= 128


def test_parameter_overrides_reach_the_environment():
    t = Template.load(
        TEMPLATE,
        {"CallbackUrls": "http://127.0.0.1:3300/,http://localhost:3300/", "Stage": "local"},
    )
    env = t.functions()["SignUpFunction"].environment

    assert env["CALLBACK_URLS"] == "http://127.0.0.1:3300/,http://localhost:3300/"
    assert env["STAGE"] == "local"


def test_a_parameter_breaking_its_allowed_pattern_is_refused():
    with pytest.raises(TemplateError):
        Template.load(TEMPLATE, {"Stage": "Not A Stage!"})


SMALL = dedent(
    """\
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      Env: {Type: String, Default: dev}
      Names: {Type: CommaDelimitedList, Default: "a,b,c"}
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
    Mappings:
      Sizes: {dev: {Memory: 256}, prod: {Memory: 1024}}
    Globals:
      Function:
        Runtime: python3.11
        CodeUri: code/
        Timeout: 5
        Layers: [g]
        Environment: {Variables: {SHARED: !Sub "${Env}-${AWS::Region}", OVERRIDDEN: global}}
    Resources:
      OnlyInProd:
        Type: AWS::S3::Bucket
        Condition: IsProd
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.handler
          MemorySize: !FindInMap [Sizes, !Ref Env, Memory]
          Layers: [own]
          Environment:
            Variables:
              OVERRIDDEN: own
              SECOND: !Select [1, !Ref Names]
              JOINED: !Join ["-", !Split [",", "x,y"]]
              MODE: !If [IsProd, production, development]
              LITERAL: !Sub "${!NotAVariable}"
              ARN: !GetAtt OnlyInProd.Arn
          Events:
            Root: {Type: Api, Properties: {Path: /, Method: any}}
    """
)


def test_short_tags_globals_conditions_and_the_implicit_api(tmp_path):
    # Given a small template using short-form intrinsics, Globals and no explicit API
    (tmp_path / "template.yaml").write_text(SMALL)
    t = Template.load(tmp_path / "template.yaml")

    fn = t.functions()["Fn"]
    routes = t.routes()

    # Then the condition drops the prod-only bucket, intrinsics resolve, Globals merge
    assert "OnlyInProd" not in t.resources
    assert fn.memory_mb == 256 and fn.timeout_s == 5
    assert fn.code_uri == tmp_path / "code"
    assert fn.environment == {
        "SHARED": "dev-us-east-1",
        "OVERRIDDEN": "own",
        "SECOND": "b",
        "JOINED": "x-y",
        "MODE": "development",
        "LITERAL": "${NotAVariable}",
        "ARN": "arn:aws:local:us-east-1:123456789012:OnlyInProd",
    }
    assert t.resolve(t._with_globals("Function", {"Layers": ["own"]})["Layers"]) == ["g", "own"]
    # And an Api event without RestApiId belongs to SAM's implicit API (stage Prod, open)
    assert [(r.method, r.path, r.api_id, r.authorizer) for r in routes] == [
        ("ANY", "/", IMPLICIT_API_ID, None)
    ]
    assert t.apis()[IMPLICIT_API_ID].stage == "Prod"
