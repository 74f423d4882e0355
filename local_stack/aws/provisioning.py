"""Provisioning from the template: the template's resources created in the emulator.

:func:`provision` creates the template's resources with boto3, in dependency order, and
records each one's physical id (what ``Ref`` returns) and attributes (what ``Fn::GetAtt``
returns) on the :class:`~local_stack.template.Template`. Supported types:

- ``AWS::Cognito::UserPool`` / ``UserPoolClient`` / ``UserPoolDomain``
- ``AWS::DynamoDB::Table`` (plus point-in-time recovery and TTL)
- ``AWS::S3::Bucket`` (public access block, encryption, versioning, ownership, CORS)
- ``AWS::Serverless::Function`` / ``AWS::Serverless::Api`` (served by the runtime and gateway)

Anything else is skipped with one console line. CloudFormation property names are mapped to
the service API by each type's handler; values are then coerced to the API's own input
shape (botocore's service model), so a ``Number`` parameter (always a string in
CloudFormation) becomes the integer the API wants, and an unknown property is reported,
not sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.model import Shape

from local_stack.aws.moto_server import DUMMY_CREDENTIALS
from local_stack.template import Template

log = logging.getLogger("local_stack")


@dataclass(frozen=True)
class Provisioned:
    """What the gateway and the hosted UI need to know about the provisioned stack."""

    user_pool_id: str | None
    client_id: str | None


def provision(template: Template, endpoint_url: str | None = None) -> Provisioned:
    """Create every supported resource of ``template`` in the emulator at ``endpoint_url``
    (``None``: the SDK's default endpoint, which moto's ``mock_aws`` intercepts in tests).

    Fills ``template.physical_ids`` and ``template.attributes`` as it goes, so later
    resources (and the functions' environments) resolve ``Ref``/``GetAtt`` to real ids.
    A resource whose physical id is already recorded (restored state) is kept as it is.

    Returns:
        The first user pool's id and its first app client's id (None when absent).
    Raises:
        botocore.exceptions.ClientError: the emulator refused a resource.
        local_stack.template.TemplateError: a property could not be resolved.
    """
    session = boto3.session.Session(region_name=template.region, **DUMMY_CREDENTIALS)
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(
                service,
                endpoint_url=endpoint_url,
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
            )
        return clients[service]

    resources = template.resources
    user_pool_id = client_id = None
    for logical_id in _dependency_order(resources):
        resource = resources[logical_id]
        kind = resource.get("Type", "")
        create = _PROVISIONERS.get(kind)
        if create is not None and logical_id in template.physical_ids:
            # Restored from the saved state (local_stack.saved_state): keep, don't re-create.
            if not kind.startswith("AWS::Serverless::"):
                log.info(
                    "emulator: kept %s %s (%s)", kind, logical_id, template.physical_ids[logical_id]
                )
        elif create is None:
            reason = _SKIP_REASONS.get(kind, "not emulated locally")
            log.info("emulator: skipped %s %s (%s)", kind, logical_id, reason)
            continue
        else:
            props = template.resolve(resource.get("Properties") or {})
            create(_Context(template, logical_id, client), props)
            if not kind.startswith("AWS::Serverless::"):
                log.info(
                    "emulator: created %s %s (%s)",
                    kind,
                    logical_id,
                    template.physical_ids[logical_id],
                )
        if kind == "AWS::Cognito::UserPool" and user_pool_id is None:
            user_pool_id = template.physical_ids[logical_id]
        if kind == "AWS::Cognito::UserPoolClient" and client_id is None:
            client_id = template.physical_ids[logical_id]
    return Provisioned(user_pool_id=user_pool_id, client_id=client_id)


@dataclass
class _Context:
    template: Template
    logical_id: str
    client: Callable[[str], Any]

    def record(self, physical_id: str, **attributes: str) -> None:
        self.template.physical_ids[self.logical_id] = physical_id
        for name, value in attributes.items():
            self.template.attributes[(self.logical_id, name)] = value

    def default_name(self, max_length: int = 128, lower: bool = False) -> str:
        """CloudFormation's generated name ``{stack}-{LogicalId}``, without its random tail
        (deterministic locally, so restarts keep the same names)."""
        name = f"{self.template.stack_name}-{self.logical_id}"[:max_length]
        return name.lower() if lower else name

    def call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Call ``operation`` with ``params`` coerced to its input shape.

        Keys the API does not know are reported (one line) and dropped.
        """
        api = self.client(service)
        model = api.meta.service_model.operation_model(operation)
        dropped: list[str] = []
        coerced = _to_shape(params, model.input_shape, dropped, "")
        if dropped:
            log.info("emulator: %s: not emulated: %s", self.logical_id, ", ".join(dropped))
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
        return getattr(api, method)(**coerced)


def _to_shape(value: Any, shape: Shape, dropped: list[str], path: str) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in shape.members:
                out[key] = _to_shape(item, shape.members[key], dropped, f"{path}{key}.")
            else:
                dropped.append(f"{path}{key}")
        return out
    if kind == "list" and isinstance(value, list):
        return [_to_shape(item, shape.member, dropped, path) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _to_shape(v, shape.value, dropped, path) for k, v in value.items()}
    if kind in ("integer", "long"):
        return int(value)
    if kind in ("double", "float"):
        return float(value)
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if kind == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "string":
        return str(value)
    return value


def _rename(props: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    return {renames.get(key, key): value for key, value in props.items()}


#: AWS::Cognito::UserPool properties that the API sets with SetUserPoolMfaConfig's
#: ``WebAuthnConfiguration``, not CreateUserPool (CloudFormation resource reference).
_WEBAUTHN_PROPERTIES = ("WebAuthnRelyingPartyID", "WebAuthnUserVerification")


def _user_pool(ctx: _Context, props: dict[str, Any]) -> None:
    params = _rename(
        {k: v for k, v in props.items() if k not in _WEBAUTHN_PROPERTIES},
        {"UserPoolName": "PoolName"},
    )
    params.setdefault("PoolName", ctx.default_name())
    pool = ctx.call("cognito-idp", "CreateUserPool", params)["UserPool"]
    pool_id, region = pool["Id"], ctx.template.region
    if any(key in props for key in _WEBAUTHN_PROPERTIES):
        # The passkey relying party (SetUserPoolMfaConfig's WebAuthnConfiguration), with the
        # pool's MFA settings restated, as SetUserPoolMfaConfig sets them all at once.
        mfa: dict[str, Any] = {"MfaConfiguration": props.get("MfaConfiguration", "OFF")}
        if mfa["MfaConfiguration"] != "OFF":
            enabled = "SOFTWARE_TOKEN_MFA" in (props.get("EnabledMfas") or [])
            mfa["SoftwareTokenMfaConfiguration"] = {"Enabled": enabled}
        webauthn = {"RelyingPartyId": props.get("WebAuthnRelyingPartyID")}
        webauthn["UserVerification"] = props.get("WebAuthnUserVerification", "preferred")
        config = {k: v for k, v in webauthn.items() if v is not None}
        ctx.call(
            "cognito-idp",
            "SetUserPoolMfaConfig",
            {"UserPoolId": pool_id, **mfa, "WebAuthnConfiguration": config},
        )
    provider = f"cognito-idp.{region}.amazonaws.com/{pool_id}"
    ctx.record(
        pool_id,
        Arn=pool.get("Arn")
        or f"arn:aws:cognito-idp:{region}:{ctx.template.account_id}:userpool/{pool_id}",
        ProviderName=provider,
        ProviderURL=f"https://{provider}",
        UserPoolId=pool_id,
    )


def _user_pool_client(ctx: _Context, props: dict[str, Any]) -> None:
    params = dict(props)
    params.setdefault("ClientName", ctx.default_name())
    created = ctx.call("cognito-idp", "CreateUserPoolClient", params)["UserPoolClient"]
    ctx.record(
        created["ClientId"],
        ClientSecret=created.get("ClientSecret", ""),
        Name=created.get("ClientName", ""),
    )


def _user_pool_domain(ctx: _Context, props: dict[str, Any]) -> None:
    ctx.call("cognito-idp", "CreateUserPoolDomain", props)
    ctx.record(props["Domain"])


def _table(ctx: _Context, props: dict[str, Any]) -> None:
    params = dict(props)
    name = params.setdefault("TableName", ctx.default_name(255))
    pitr = params.pop("PointInTimeRecoverySpecification", None)
    ttl = params.pop("TimeToLiveSpecification", None)
    if "SSESpecification" in params:  # CloudFormation SSEEnabled -> API Enabled
        params["SSESpecification"] = _rename(params["SSESpecification"], {"SSEEnabled": "Enabled"})
    if "StreamSpecification" in params:  # CloudFormation implies StreamEnabled
        params["StreamSpecification"] = {"StreamEnabled": True, **params["StreamSpecification"]}
    description = ctx.call("dynamodb", "CreateTable", params)["TableDescription"]
    if pitr:
        ctx.call(
            "dynamodb",
            "UpdateContinuousBackups",
            {"TableName": name, "PointInTimeRecoverySpecification": pitr},
        )
    if ttl:
        ctx.call(
            "dynamodb", "UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": ttl}
        )
    ctx.record(name, Arn=description["TableArn"], StreamArn=description.get("LatestStreamArn", ""))


def _bucket(ctx: _Context, props: dict[str, Any]) -> None:
    name = props.get("BucketName") or ctx.default_name(63, lower=True)
    region = ctx.template.region
    create: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    ctx.call("s3", "CreateBucket", create)
    if "PublicAccessBlockConfiguration" in props:
        ctx.call(
            "s3",
            "PutPublicAccessBlock",
            {
                "Bucket": name,
                "PublicAccessBlockConfiguration": props["PublicAccessBlockConfiguration"],
            },
        )
    if "BucketEncryption" in props:
        rules = [
            _rename(rule, {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"})
            for rule in props["BucketEncryption"].get("ServerSideEncryptionConfiguration", [])
        ]
        ctx.call(
            "s3",
            "PutBucketEncryption",
            {
                "Bucket": name,
                "ServerSideEncryptionConfiguration": {"Rules": rules},
            },
        )
    if "VersioningConfiguration" in props:
        ctx.call(
            "s3",
            "PutBucketVersioning",
            {
                "Bucket": name,
                "VersioningConfiguration": props["VersioningConfiguration"],
            },
        )
    if "OwnershipControls" in props:
        ctx.call(
            "s3",
            "PutBucketOwnershipControls",
            {
                "Bucket": name,
                "OwnershipControls": props["OwnershipControls"],
            },
        )
    if "CorsConfiguration" in props:
        rules = [
            _rename(
                rule, {"Id": "ID", "MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders"}
            )
            for rule in props["CorsConfiguration"].get("CorsRules", [])
        ]
        ctx.call("s3", "PutBucketCors", {"Bucket": name, "CORSConfiguration": {"CORSRules": rules}})
    emulated = {
        "BucketName",
        "PublicAccessBlockConfiguration",
        "BucketEncryption",
        "VersioningConfiguration",
        "OwnershipControls",
        "CorsConfiguration",
    }
    rest = sorted(set(props) - emulated)
    if rest:
        log.info("emulator: %s: not emulated: %s", ctx.logical_id, ", ".join(rest))
    ctx.record(
        name,
        Arn=f"arn:aws:s3:::{name}",
        DomainName=f"{name}.s3.amazonaws.com",
        RegionalDomainName=f"{name}.s3.{region}.amazonaws.com",
    )


def _function(ctx: _Context, props: dict[str, Any]) -> None:
    # Served by local_stack.lambda_runtime.pool; Ref gives the name the worker sees as
    # AWS_LAMBDA_FUNCTION_NAME (the logical id unless FunctionName is set, like `sam local`).
    name = str(props.get("FunctionName") or ctx.logical_id)
    t = ctx.template
    ctx.record(name, Arn=f"arn:aws:lambda:{t.region}:{t.account_id}:function:{name}")


def _api(ctx: _Context, props: dict[str, Any]) -> None:
    ctx.record(f"local{ctx.logical_id.lower()[:6]}", RootResourceId="root")


_PROVISIONERS: dict[str, Callable[[_Context, dict[str, Any]], None]] = {
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolDomain": _user_pool_domain,
    "AWS::DynamoDB::Table": _table,
    "AWS::S3::Bucket": _bucket,
    "AWS::Serverless::Function": _function,
    "AWS::Serverless::Api": _api,
}

_SKIP_REASONS = {
    # The deployed policy denies non-TLS access (aws:SecureTransport); the emulator is
    # plain HTTP on localhost and moto does not evaluate bucket policies anyway.
    "AWS::S3::BucketPolicy": "bucket policies are not enforced by the emulator",
    "AWS::IAM::Role": "IAM is not enforced locally",
    "AWS::IAM::Policy": "IAM is not enforced locally",
}


def _dependency_order(resources: dict[str, dict[str, Any]]) -> list[str]:
    """Logical ids ordered so each resource comes after those it Refs/GetAtts/Subs."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(logical_id: str) -> None:
        if state.get(logical_id) == "done":
            return
        if state.get(logical_id) == "visiting":
            raise ValueError(f"circular dependency through {logical_id}")
        state[logical_id] = "visiting"
        resource = resources[logical_id]
        deps = _references(resource.get("Properties"), resources) | set(
            [resource["DependsOn"]]
            if isinstance(resource.get("DependsOn"), str)
            else resource.get("DependsOn") or []
        )
        for dep in sorted(deps & resources.keys()):
            visit(dep)
        state[logical_id] = "done"
        order.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return order


def _references(value: Any, resources: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item, resources)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else str(item).split(".")[0])
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", str(text))}
                if isinstance(item, list):
                    found |= _references(item[1], resources)
            else:
                found |= _references(item, resources)
    return found & resources.keys()
