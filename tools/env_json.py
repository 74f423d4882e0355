"""Write SAM's ``env.json`` from a deployed Moments stack (``make env-json STACK=<name>``).

``sam local start-api --env-vars env.json`` then runs the Lambdas on this machine against
the stack's real user pool, table and bucket. The file has SAM's per-function shape::

    {"SignUpFunction": {"USER_POOL_ID": "us-east-1_AbC", ...}, "ListPhotosFunction": {...}}

SAM applies a value only to a variable that the template already declares for that
function (Globals included); anything else in the file is ignored. So the variables and
their meaning are read from ``template.yaml`` and never listed here, and a variable added
to the template reaches env.json without editing this script.

How each declared value is resolved against the stack (``describe_stacks``):

* a literal stays as it is;
* an expression that is exactly the ``Value`` of one of the template's ``Outputs`` (for
  example ``!Ref UserPool`` and the ``UserPoolId`` output) takes that output's value;
* other intrinsics (``!Ref`` of a template parameter or pseudo parameter, ``!Join``,
  ``!Sub``, ...) are evaluated by ``local_stack.template`` with the stack's parameter
  values and its ARN (region, account, partition);
* anything else (a resource no output exposes) is an error that names the function, the
  variable and the fix: add an output to template.yaml.

``TOKEN_VERIFICATION`` is the one deliberate difference from AWS. The template sets it to
``authorizer`` (API Gateway's Cognito authorizer checks the token and passes its claims).
``sam local start-api`` does not run Cognito authorizers, so env.json sets it to
``handler``: the photo handlers then verify the Bearer access token themselves (JWKS
signature, issuer, expiry, ``token_use=access``, client id, scope).

SAM's env-file format ("Environment variable file"): https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-invoke.html
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from local_stack.template import Template, TemplateError, load_yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = REPO_ROOT / "template.yaml"

TOKEN_VERIFICATION_VAR = "TOKEN_VERIFICATION"
VERIFY_IN_HANDLER = "handler"
FUNCTION_TYPE = "AWS::Serverless::Function"
# CloudFormation masks NoEcho parameters in DescribeStacks with this value.
NO_ECHO_MASK = "****"


class EnvJsonError(Exception):
    """A problem the user can fix; the message says how. Rendered without a traceback."""


@dataclass(frozen=True)
class StackFacts:
    """What env.json needs from a deployed stack (one ``DescribeStacks`` answer).

    Attributes:
        name: stack name.
        status: CloudFormation stack status, e.g. ``CREATE_COMPLETE``.
        region, account_id, partition: parsed from the stack ARN.
        parameters: parameter key -> value as deployed (lists comma-joined).
        outputs: output key -> value.
    """

    name: str
    status: str
    region: str
    account_id: str
    partition: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)


def function_environments(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Serverless function's declared environment, Globals merged in, template order.

    Returns:
        function logical id -> variable name -> the template's value (literal or intrinsic).
    """
    globals_env = (
        template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables")
        or {}
    )
    environments: dict[str, dict[str, Any]] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        own = (resource.get("Properties") or {}).get("Environment", {}).get("Variables") or {}
        environments[logical_id] = {**globals_env, **own}
    return environments


def describe_stack(stack_name: str, cloudformation: Any) -> StackFacts:
    """Read one stack's parameters, outputs and ARN.

    Args:
        stack_name: the deployed stack's name (samconfig.toml: ``moments-dev``, ...).
        cloudformation: a boto3 CloudFormation client.

    Raises:
        EnvJsonError: the stack does not exist in the client's region, there are no AWS
            credentials, or AWS refused the call.
    """
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except NoCredentialsError as exc:
        raise EnvJsonError(
            "no AWS credentials found: run `aws configure` or `aws sso login`, "
            "or set AWS_PROFILE, then try again"
        ) from exc
    except ClientError as exc:
        message = exc.response.get("Error", {}).get("Message", str(exc))
        if "does not exist" in message:
            region = cloudformation.meta.region_name
            raise EnvJsonError(
                f"stack {stack_name!r} does not exist in {region}: deploy it with "
                f"`make deploy` (or pass the right STACK= / REGION=)"
            ) from exc
        raise EnvJsonError(f"CloudFormation refused DescribeStacks: {message}") from exc
    except BotoCoreError as exc:
        raise EnvJsonError(f"could not reach CloudFormation: {exc}") from exc
    stack = stacks[0]
    # arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>
    _, partition, _, region, account_id, _ = stack["StackId"].split(":", 5)
    return StackFacts(
        name=stack["StackName"],
        status=stack["StackStatus"],
        region=region,
        account_id=account_id,
        partition=partition,
        parameters={
            p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue", ""))
            for p in stack.get("Parameters", [])
        },
        outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
    )


class _DeployedTemplate(Template):
    """The template's intrinsics evaluated against one deployed stack.

    ``local_stack.template`` does the resolving (``Ref``, ``Fn::Sub``, ``Fn::Join``, ...)
    with the stack's parameters, region, account and name. What differs from the local
    stack: an expression that is exactly the ``Value`` of one of the template's
    ``Outputs`` takes the stack's output value, and a resource no output exposes is an
    error, not its logical id.
    """

    def __init__(self, raw: Mapping[str, Any], stack: StackFacts) -> None:
        declared = raw.get("Parameters") or {}
        parameters: dict[str, Any] = {}
        for name, spec in declared.items():
            value = stack.parameters.get(name)
            if value is None or value == NO_ECHO_MASK:
                continue  # a Ref to it is an error (see ref)
            if spec.get("Type", "").startswith(("CommaDelimitedList", "List<")):
                parameters[name] = [item.strip() for item in value.split(",")]
            else:
                parameters[name] = value
        super().__init__(
            path=Path(),  # only a function's CodeUri is read against it; env.json has none
            raw=dict(raw),
            parameters=parameters,
            region=stack.region,
            account_id=stack.account_id,
            stack_name=stack.name,
        )
        self._stack = stack

    def _output(self, expression: Any) -> str | None:
        """The deployed value of the output whose ``Value`` is ``expression``, if any."""
        for key, output in (self.raw.get("Outputs") or {}).items():
            if output.get("Value") == expression:
                if key not in self._stack.outputs:
                    raise TemplateError(f"the stack has no output {key!r}")
                return self._stack.outputs[key]
        return None

    def _resolve(self, value: Any) -> Any:
        output = self._output(value) if isinstance(value, Mapping) else None
        return super()._resolve(value) if output is None else output

    def ref(self, name: str) -> Any:
        if name == "AWS::Partition":
            return self._stack.partition
        if name == "AWS::URLSuffix":
            return "amazonaws.com.cn" if self._stack.partition == "aws-cn" else "amazonaws.com"
        if name.startswith("AWS::") or name in self.parameters:
            return super().ref(name)
        if name in (self.raw.get("Parameters") or {}):
            raise TemplateError(f"the stack does not show parameter {name!r}")
        output = self._output({"Ref": name})
        if output is None:
            raise TemplateError(f"no output exposes resource {name!r} (add one to template.yaml)")
        return output

    def get_att(self, logical_id: str, attribute: str) -> str:
        output = self._output({"Fn::GetAtt": [logical_id, attribute]})
        if output is None:
            raise TemplateError(
                f"no output exposes {logical_id}.{attribute} (add one to template.yaml)"
            )
        return output


def _as_env_value(value: Any) -> str:
    """A resolved value as env.json text (lists comma-joined, booleans lower case)."""
    if isinstance(value, list):
        return ",".join(_as_env_value(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_env_json(template: Mapping[str, Any], stack: StackFacts) -> dict[str, dict[str, str]]:
    """SAM's env.json for ``template`` deployed as ``stack``.

    Every variable each function declares gets its deployed value, and
    ``TOKEN_VERIFICATION`` (where declared) is ``handler``, because ``sam local`` runs no
    authorizer.

    Raises:
        EnvJsonError: the stack has no outputs yet, or a variable cannot be resolved; the
            message lists every such variable.
    """
    if not stack.outputs:
        raise EnvJsonError(
            f"stack {stack.name!r} has no outputs (status {stack.status}); "
            "wait for the deployment to finish or redeploy it"
        )
    resolved = _DeployedTemplate(template, stack)
    env: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for function, variables in function_environments(template).items():
        env[function] = {}
        for name, value in variables.items():
            if name == TOKEN_VERIFICATION_VAR:
                env[function][name] = VERIFY_IN_HANDLER
                continue
            try:
                env[function][name] = _as_env_value(resolved.resolve(value))
            except TemplateError as exc:
                problems.append(f"  {function}.{name}: {exc}")
    if problems:
        raise EnvJsonError("cannot resolve these variables from the stack:\n" + "\n".join(problems))
    return env


def write_env_json(env: Mapping[str, Mapping[str, str]], path: Path) -> None:
    """Write env.json (it holds ids and URLs, never a secret; .gitignore keeps it local)."""
    path.write_text(json.dumps(env, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: ``python -m tools.env_json --stack NAME [--region R] [--output F]``.

    Returns 0 on success and 1 on a user-fixable problem, printed on stderr.
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.env_json", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--stack", required=True, help="deployed stack name, e.g. moments-dev")
    parser.add_argument("--region", help="the stack's region (default: the AWS SDK's)")
    parser.add_argument("--template", type=Path, default=TEMPLATE_PATH)
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "env.json")
    args = parser.parse_args(argv)
    try:
        try:
            # A fresh session: credentials are resolved now, never from a cached default.
            cloudformation = boto3.session.Session(region_name=args.region).client("cloudformation")
        except NoRegionError as exc:
            raise EnvJsonError("no AWS region configured: pass REGION=<region>") from exc
        stack = describe_stack(args.stack, cloudformation)
        env = build_env_json(load_yaml(args.template), stack)
    except EnvJsonError as exc:
        print(f"env-json: {exc}", file=sys.stderr)
        return 1
    write_env_json(env, args.output)
    verified = [fn for fn, variables in env.items() if TOKEN_VERIFICATION_VAR in variables]
    print(f"wrote {args.output} for {len(env)} functions of stack {stack.name} ({stack.region})")
    if verified:
        print(
            f"{len(verified)} functions verify the Bearer token themselves "
            f"({TOKEN_VERIFICATION_VAR}={VERIFY_IN_HANDLER}): {', '.join(verified)}"
        )
    else:
        print(
            f"warning: no function declares {TOKEN_VERIFICATION_VAR}; under "
            "`sam local start-api` nothing checks Bearer tokens",
            file=sys.stderr,
        )
    print(f"next: sam build && sam local start-api --env-vars {args.output.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
