"""template.yaml's hardening (issue 9), read by the local stack's own template reader
(parameters, conditions and intrinsics resolved as CloudFormation would)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from local_stack.template import Template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
RETAINED = ["UserPool", "PhotosTable", "PhotosBucket"]
PHOTO_API_FUNCTIONS = [
    "ListPhotosFunction",
    "UploadPhotoFunction",
    "CreateUploadUrlFunction",
    "GetPhotoFunction",
    "DeletePhotoFunction",
]


def load(**parameters: str) -> Template:
    return Template.load(TEMPLATE, parameters)


@pytest.mark.parametrize(
    ("stage", "policy", "protection"),
    [("prod", "Retain", "ACTIVE"), ("dev", "Delete", "INACTIVE")],
)
def test_prod_keeps_the_pool_table_and_bucket(stage, policy, protection):
    template = load(Stage=stage)
    for logical_id in RETAINED:
        resource = template.raw["Resources"][logical_id]
        assert template.resolve(resource["DeletionPolicy"]) == policy, logical_id
        assert template.resolve(resource["UpdateReplacePolicy"]) == policy, logical_id
    pool = template.resolve(template.raw["Resources"]["UserPool"]["Properties"])
    assert pool["DeletionProtection"] == protection
    table = template.resolve(template.raw["Resources"]["PhotosTable"]["Properties"])
    assert table["DeletionProtectionEnabled"] is (stage == "prod")


def test_every_log_group_has_a_retention_and_every_function_logs_to_one():
    template = load()
    groups = {k: r for k, r in template.resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert set(groups) >= {"FunctionLogGroup", "ApiAccessLogGroup"}
    for logical_id, group in groups.items():
        assert int(template.resolve(group["Properties"]["RetentionInDays"])) > 0, logical_id
    logging = template.raw["Globals"]["Function"]["LoggingConfig"]
    assert logging["LogGroup"] == {"Ref": "FunctionLogGroup"}
    for logical_id, resource in template.resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            # No function overrides the group with its own unbounded one
            assert "LoggingConfig" not in resource["Properties"], logical_id


def test_api_access_logs_are_one_json_object_per_request():
    template = load()
    api = template.raw["Resources"]["MomentsApi"]["Properties"]
    setting = api["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(setting["Format"])
    assert {"requestId", "ip", "status", "resourcePath"} <= line.keys()
    assert not any(
        re.search(r"header|body|authorization", value, re.IGNORECASE) for value in line.values()
    )


#: API Gateway's default account-level throttle per Region (API Gateway developer guide,
#: "Amazon API Gateway quotas": 10,000 requests per second, a 5,000-request bucket), shared
#: by every API of the account in the Region.
ACCOUNT_RATE, ACCOUNT_BURST = 10_000, 5_000


def _method_settings(template: Template) -> dict[tuple[str, str], dict]:
    """``(HttpMethod, path) -> setting``: a ResourcePath is ``/`` then the path with each
    ``/`` escaped as ``~1`` (``/~1auth~1sign-in``), or ``/*`` for every method."""
    settings = template.raw["Resources"]["MomentsApi"]["Properties"]["MethodSettings"]

    def path(resource_path: str) -> str:
        return resource_path if resource_path == "/*" else resource_path[1:].replace("~1", "/")

    return {(s["HttpMethod"], path(s["ResourcePath"])): s for s in settings}


def test_every_auth_route_has_its_own_method_throttle():
    template = load()
    settings = _method_settings(template)
    default = settings[("*", "/*")]
    # The routes come from the template's events, so a new auth route without its own
    # throttle fails here
    auth_routes = [r for r in template.routes() if r.path.startswith("/auth/")]
    assert len(auth_routes) >= 20
    for route in auth_routes:
        setting = settings.get((route.method, route.path))
        assert setting is not None, f"{route.method} {route.path} has no method throttle"
        rate, burst = setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]
        assert 0 < rate <= burst, route
        if route.authorizer is None and route.path != "/auth/config":
            # The open sign-in routes are tighter than what the other methods get
            assert rate < default["ThrottlingRateLimit"], route
            assert burst < default["ThrottlingBurstLimit"], route
    # No setting names a route the template does not have (a typo would throttle nothing)
    served = {(r.method, r.path) for r in template.routes()}
    assert set(settings) - {("*", "/*")} <= served


def test_all_auth_throttles_together_stay_far_below_the_account_quota():
    """Every auth route flooded at once uses under 2% of the account's rate and 10% of
    its burst, so no route of this API can use up the account-level bucket the others
    (and other APIs of the account) share."""
    settings = _method_settings(load())
    auth = [s for (_, path), s in settings.items() if path.startswith("/auth/")]
    assert sum(s["ThrottlingRateLimit"] for s in auth) < ACCOUNT_RATE * 0.02
    assert sum(s["ThrottlingBurstLimit"] for s in auth) < ACCOUNT_BURST * 0.1


def test_the_waf_rate_rule_is_off_by_default_and_on_with_a_limit():
    assert not {"ApiWebAcl", "ApiWebAclAssociation"} & load().resources.keys()
    template = load(WafRequestsPer5Minutes="300")
    assert {"ApiWebAcl", "ApiWebAclAssociation"} <= template.resources.keys()
    rule = template.resolve(template.resources["ApiWebAcl"]["Properties"])["Rules"][0]
    assert int(rule["Statement"]["RateBasedStatement"]["Limit"]) == 300
    assert rule["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429


def test_the_waf_auth_rule_counts_the_auth_paths_per_ip_and_prod_turns_waf_on():
    import tomllib

    template = load(WafRequestsPer5Minutes="300")
    rules = template.resolve(template.resources["ApiWebAcl"]["Properties"])["Rules"]
    auth = next(r for r in rules if r["Name"] == "AuthRateLimitPerIp")
    statement = auth["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP" and int(statement["Limit"]) == 100
    match = statement["ScopeDownStatement"]["ByteMatchStatement"]
    assert (match["FieldToMatch"], match["SearchString"]) == ({"UriPath": {}}, "/auth/")
    assert auth["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    assert len({r["Priority"] for r in rules}) == len(rules)
    # samconfig.toml's prod deploys with WAF on
    config = tomllib.loads((TEMPLATE.parent / "samconfig.toml").read_text())
    overrides = config["prod"]["deploy"]["parameters"]["parameter_overrides"]
    limit = re.search(r'WafRequestsPer5Minutes="(\d+)"', overrides)
    assert limit and int(limit.group(1)) >= 10


def _statements(template: Template, logical_id: str) -> list[dict]:
    policies = template.raw["Resources"][logical_id]["Properties"]["Policies"]
    return [s for policy in policies for s in policy["Statement"]]


def _grants(statements: list[dict], action: str, resource: dict) -> bool:
    return any(
        action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        and s["Resource"] == resource
        for s in statements
    )


def test_revocation_storage_is_read_by_the_photo_routes_and_written_by_sign_out_only():
    """Sign-out and account deletion are the only writers."""
    template = load()
    table = {"Fn::GetAtt": ["RevocationsTable", "Arn"]}
    ttl = template.raw["Resources"]["RevocationsTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expires_at", "Enabled": True}
    for logical_id in PHOTO_API_FUNCTIONS:
        statements = _statements(template, logical_id)
        assert _grants(statements, "dynamodb:GetItem", table), logical_id
        assert not _grants(statements, "dynamodb:UpdateItem", table), logical_id
        env = template.functions()[logical_id].environment
        assert env["REVOCATIONS_TABLE_NAME"] and "ADDITIONAL_CLIENT_IDS" in env
    assert _grants(_statements(template, "SignOutFunction"), "dynamodb:UpdateItem", table)
    writers = [
        logical_id
        for logical_id, resource in template.resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and "Policies" in resource["Properties"]
        and _grants(_statements(template, logical_id), "dynamodb:UpdateItem", table)
    ]
    # DeleteAccountFunction signs the deleted user out everywhere, like sign-out (issue 13).
    assert writers == ["SignOutFunction", "DeleteAccountFunction"]


def test_the_served_app_clients_come_from_the_template():
    env = load(AdditionalApiClientIds="abc123,def456").functions()["GetPhotoFunction"].environment
    assert env["ADDITIONAL_CLIENT_IDS"] == "abc123,def456"
    assert env["USER_POOL_CLIENT_ID"]


def test_the_brokers_password_policy_is_the_pools():
    from auth.password_policy import PasswordPolicy

    template = load()
    pool = template.raw["Resources"]["UserPool"]["Properties"]["Policies"]["PasswordPolicy"]
    env = template.functions()["SignUpFunction"].environment
    policy = PasswordPolicy.parse(env["PASSWORD_MIN_LENGTH"], env["PASSWORD_REQUIRE"])
    assert policy.min_length == pool["MinimumLength"]
    flags = {
        "lowercase": "RequireLowercase",
        "uppercase": "RequireUppercase",
        "numbers": "RequireNumbers",
        "symbols": "RequireSymbols",
    }
    assert set(policy.require) == {name for name, flag in flags.items() if pool[flag]}
