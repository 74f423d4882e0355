"""template.yaml's hardening (issue 9), read by the local stack's own template reader
(parameters, conditions and intrinsics resolved as CloudFormation would)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from local_stack.template import Template
from tests.support.routes import api_functions

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
RETAINED = ["UserPool", "PhotosTable", "PhotosBucket"]
PHOTO_API_FUNCTIONS = [f.logical_id for f in api_functions("photos")]


SES_ARN = "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com"


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
    # Behind CloudFront the source address is CloudFront's: the client's is counted, from
    # the first address of X-Forwarded-For
    assert rule["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "FORWARDED_IP"
    assert rule["Statement"]["RateBasedStatement"]["ForwardedIPConfig"] == {
        "HeaderName": "X-Forwarded-For",
        "FallbackBehavior": "MATCH",
    }
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429


def test_the_waf_auth_rule_counts_the_auth_paths_per_ip_and_prod_turns_waf_on():
    import tomllib

    template = load(WafRequestsPer5Minutes="300")
    rules = template.resolve(template.resources["ApiWebAcl"]["Properties"])["Rules"]
    auth = next(r for r in rules if r["Name"] == "AuthRateLimitPerIp")
    statement = auth["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "FORWARDED_IP" and int(statement["Limit"]) == 100
    assert statement["ForwardedIPConfig"]["HeaderName"] == "X-Forwarded-For"
    match = statement["ScopeDownStatement"]["ByteMatchStatement"]
    assert (match["FieldToMatch"], match["SearchString"]) == ({"UriPath": {}}, "/auth/")
    assert auth["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    # A header-keyed rule skips requests without the header (AWS WAF's ForwardedIPConfig):
    # direct calls without X-Forwarded-For get the auth limit per source address
    direct = next(r for r in rules if r["Name"] == "DirectAuthRateLimitPerIp")
    statement = direct["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP" and int(statement["Limit"]) == 100
    both = statement["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert both[0] == auth["Statement"]["RateBasedStatement"]["ScopeDownStatement"]
    missing = both[1]["NotStatement"]["Statement"]["SizeConstraintStatement"]
    assert missing["FieldToMatch"] == {"SingleHeader": {"Name": "x-forwarded-for"}}
    assert (missing["ComparisonOperator"], int(missing["Size"])) == ("GT", 0)
    assert direct["Action"] == auth["Action"]
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


def _routes_answering(status: int, error: str) -> list[str]:
    """``"METHOD /path"`` of every openapi.json operation that lists ``error`` among its
    ``status`` answers (the examples the route metadata generates)."""
    document = json.loads((TEMPLATE.parent / "openapi.json").read_text())
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue  # a path item's shared "parameters"
            answer = operation.get("responses", {}).get(str(status), {})
            examples = answer.get("content", {}).get("application/json", {}).get("examples", {})
            if error in examples:
                found.append(f"{method.upper()} {path}")
    return found


def _granted(template: Template, action: str, resource: dict) -> list[str]:
    """The functions whose policies grant ``action`` on ``resource``, in template order."""
    return [
        logical_id
        for logical_id, spec in template.resources.items()
        if spec["Type"] == "AWS::Serverless::Function"
        and "Policies" in spec["Properties"]
        and _grants(_statements(template, logical_id), action, resource)
    ]


def test_revocation_storage_is_read_by_the_photo_routes_and_written_by_sign_out_only():
    """Sign-out and account deletion are the only writers of sign-out records."""
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
    # DeleteAccountFunction signs the deleted user out everywhere, like sign-out (issue 13).
    writers = _granted(template, "dynamodb:UpdateItem", table)
    assert writers == ["SignOutFunction", "DeleteAccountFunction"]
    # The functions that hand out refresh tokens record their families (PutItem, nothing
    # else), and sign-out reads them (issue 23).
    family_writers = _granted(template, "dynamodb:PutItem", table)
    assert family_writers == ["SignInFunction", "TokenFunction", "ChallengeFunction"]
    assert _grants(_statements(template, "SignOutFunction"), "dynamodb:GetItem", table)


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


@pytest.mark.parametrize(
    "parameters",
    [
        {},
        {"AllowedOrigin": "https://photos.example.com:8443"},
        {"WebAuthnRelyingPartyId": "example.com", "PasswordlessEmailSourceArn": SES_ARN},
    ],
)
def test_the_brokers_first_factors_and_relying_party_are_the_pools(parameters):
    """Issue 20: choice-based sign-in offers, and a passkey decoy names, what the pool is
    provisioned with; the environment reads them from the pool's own YAML nodes."""
    template = load(**parameters)
    pool = _properties(template, "UserPool")
    for function in ("SelectChallengeFunction", "PasskeySignInFunction", "ChallengeFunction"):
        env = template.functions()[function].environment
        factors = pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"]
        assert env["FIRST_AUTH_FACTORS"].split(",") == factors, function
        assert env["WEBAUTHN_RELYING_PARTY_ID"] == pool["WebAuthnRelyingPartyID"], function
        assert env["WEBAUTHN_USER_VERIFICATION"] == pool["WebAuthnUserVerification"], function


# ------------------------------------------------ issue 24: production options, TLS 1.2
ACCOUNT_CONCURRENCY = 1000  # Lambda quotas page: concurrent executions, default per Region
UNRESERVED_MINIMUM = 100  # Lambda keeps at least this much unreserved (same page)


def _prod() -> Template:
    from samcli.cli.types import CfnParameterOverridesType
    from samcli.lib.config.samconfig import SamConfig

    deploy = SamConfig(str(TEMPLATE.parent)).get_all(["deploy"], "parameters", "prod")
    return load(**CfnParameterOverridesType().convert(deploy["parameter_overrides"], None, None))


def _public_functions(template: Template) -> list[str]:
    """The functions behind an `Authorizer: NONE` route: anyone on the internet calls them."""
    return [
        logical_id
        for logical_id, resource in template.resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and any(
            (event["Properties"].get("Auth") or {}).get("Authorizer") == "NONE"
            for event in resource["Properties"].get("Events", {}).values()
        )
    ]


def _properties(template: Template, logical_id: str) -> dict:
    return template.resolve(template.resources[logical_id]["Properties"])


def test_prod_turns_on_access_logs_a_customer_managed_key_and_reserved_concurrency():
    template = _prod()
    assert {"AccessLogBucket", "AccessLogBucketPolicy", "DataKey"} <= template.resources.keys()
    for bucket in ("PhotosBucket", "WebBucket"):
        logging = _properties(template, bucket)["LoggingConfiguration"]
        assert logging["DestinationBucketName"] == template.ref("AccessLogBucket"), bucket
    distribution = _properties(template, "WebDistribution")["DistributionConfig"]
    # The refresh token is a cookie: CloudFront's logs must never include cookies.
    assert distribution["Logging"]["IncludeCookies"] is False
    key = template.get_att("DataKey", "Arn")
    assert _properties(template, "DataKey")["EnableKeyRotation"] is True
    for table in ("PhotosTable", "RevocationsTable", "AttemptsTable"):
        sse = _properties(template, table)["SSESpecification"]
        assert (sse["SSEType"], sse["KMSMasterKeyId"]) == ("KMS", key), table
    for group in ("FunctionLogGroup", "ApiAccessLogGroup"):
        assert _properties(template, group)["KmsKeyId"] == key, group
    assert _properties(template, "PhotosTable")["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }


def test_prod_reserves_concurrency_for_every_public_auth_function_within_the_quota():
    template = _prod()
    public = _public_functions(template)
    assert len(public) >= 11 and "SignInFunction" in public and "TokenFunction" in public
    settings = _method_settings(template)
    reserved = {}
    for logical_id in public:
        properties = _properties(template, logical_id)
        reserved[logical_id] = int(properties["ReservedConcurrentExecutions"])
        event = next(iter(properties["Events"].values()))["Properties"]
        burst = settings[(event["Method"].upper(), event["Path"])]["ThrottlingBurstLimit"]
        # At least the burst API Gateway admits at once: its 429 comes before Lambda's
        # throttle (which API Gateway turns into a 500).
        assert reserved[logical_id] >= burst, logical_id
    assert sum(reserved.values()) <= ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM
    authorized = set(template.functions()) - set(public)
    assert not any("ReservedConcurrentExecutions" in _properties(template, f) for f in authorized)


def test_a_default_stack_has_none_of_the_production_options():
    template = load()
    assert not {"AccessLogBucket", "AccessLogBucketPolicy", "DataKey"} & template.resources.keys()
    for logical_id in template.functions():
        assert "ReservedConcurrentExecutions" not in _properties(template, logical_id)
    assert "LoggingConfiguration" not in _properties(template, "PhotosBucket")
    assert "KMSMasterKeyId" not in _properties(template, "PhotosTable")["SSESpecification"]
    distribution = _properties(template, "WebDistribution")["DistributionConfig"]
    assert distribution["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    assert "Aliases" not in distribution and "Logging" not in distribution


def test_a_custom_domain_makes_viewers_use_tls_1_2():
    certificate = (
        "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-0000-0000-000000000000"
    )
    template = load(WebDomainName="photos.example.org", WebCertificateArn=certificate)
    distribution = _properties(template, "WebDistribution")["DistributionConfig"]
    assert distribution["Aliases"] == ["photos.example.org"]
    assert distribution["ViewerCertificate"] == {
        "AcmCertificateArn": certificate,
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    assert template.resolve(template.raw["Outputs"]["WebUrl"]["Value"]) == (
        "https://photos.example.org/"
    )
    prod = _properties(_prod(), "WebDistribution")["DistributionConfig"]
    assert prod["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"


def test_the_attempt_counters_are_reached_only_by_the_routes_that_take_guesses():
    """Issue 22: each function gets only the actions it needs on AttemptsTable."""
    template = load()
    table = {"Fn::GetAtt": ["AttemptsTable", "Arn"]}
    properties = template.raw["Resources"]["AttemptsTable"]["Properties"]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["KeySchema"] == [{"AttributeName": "counter_key", "KeyType": "HASH"}]

    def granted(action: str) -> list[str]:
        return _granted(template, action, table)

    assert granted("dynamodb:UpdateItem") == [
        "ConfirmSignUpFunction",
        "ResendCodeFunction",
        "SignInFunction",
        "ForgotPasswordFunction",
        "ResetPasswordFunction",
        "EmailCodeSignInFunction",
        "ChallengeFunction",
        # the routes that check a fresh proof (issues 25 and 20)
        "MfaVerifyFunction",
        "MfaDisableFunction",
        "PasskeyRegistrationOptionsFunction",
        "DeletePasskeyFunction",
        "ChangeEmailFunction",
        "DeleteAccountFunction",
    ]
    assert granted("dynamodb:DeleteItem") == [
        "ConfirmSignUpFunction",
        "SignInFunction",
        "ResetPasswordFunction",
        "ChallengeFunction",
        "MfaVerifyFunction",
        "MfaDisableFunction",
        "PasskeyRegistrationOptionsFunction",
        "DeletePasskeyFunction",
        "ChangeEmailFunction",
        "DeleteAccountFunction",
    ]
    for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query"):
        assert granted(action) == [], action
    # Every route that takes a fresh proof counts it (auth.reauthentication.check_proof):
    # found from openapi.json, so a new proof route without the grant fails here rather
    # than with AccessDenied on AWS (the local stack does not enforce IAM).
    proof_routes = _routes_answering(401, "reauthentication_required")
    by_route = {f.route: f.logical_id for f in api_functions()}
    assert len(proof_routes) >= 6
    for route in proof_routes:
        assert by_route[route] in granted("dynamodb:UpdateItem"), route
        assert by_route[route] in granted("dynamodb:DeleteItem"), route
    env = template.functions()["SignInFunction"].environment
    assert env["ATTEMPTS_TABLE_NAME"]
