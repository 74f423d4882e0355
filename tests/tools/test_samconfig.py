"""samconfig.toml: each environment deploys parameters the template declares and accepts.

`sam deploy` would only find a renamed parameter or an out-of-range value at deploy
time, in an AWS account; these checks find it here. Parsed with the SAM CLI's own code.
"""

from __future__ import annotations

import re

import pytest
from samcli.cli.types import CfnParameterOverridesType
from samcli.lib.config.samconfig import SamConfig

from local_stack.template import load_yaml
from tools.env_json import REPO_ROOT, TEMPLATE_PATH

ENVIRONMENTS = ["default", "dev", "prod"]
PARAMETERS = load_yaml(TEMPLATE_PATH)["Parameters"]


def _deploy(env: str) -> dict:
    return SamConfig(str(REPO_ROOT)).get_all(["deploy"], "parameters", env)


def _overrides(env: str) -> dict[str, str]:
    return CfnParameterOverridesType().convert(_deploy(env)["parameter_overrides"], None, None)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_overrides_name_template_parameters_with_values_it_accepts(env):
    for name, value in _overrides(env).items():
        assert name in PARAMETERS, f"[{env}] {name} is not a template parameter"
        spec = PARAMETERS[name]
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), f"[{env}] {name}={value}"
        if spec["Type"] == "Number":
            assert (
                spec.get("MinValue", float("-inf"))
                <= float(value)
                <= spec.get("MaxValue", float("inf"))
            ), f"[{env}] {name}={value}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_can_create_the_iam_roles_and_stages_its_own_stack(env):
    deploy = _deploy(env)
    assert "CAPABILITY_IAM" in deploy["capabilities"]
    assert deploy["resolve_s3"] is True
    assert deploy["stack_name"].endswith("-" + _overrides(env)["Stage"])


def test_prod_asks_before_changing_anything():
    assert _deploy("prod")["confirm_changeset"] is True


def test_callback_urls_are_https_except_localhost():
    # Cognito accepts http:// only for localhost (UserPoolClient CallbackURLs)
    for env in ENVIRONMENTS:
        for key in ("CallbackUrls", "LogoutUrls"):
            for callback in _overrides(env)[key].split(","):
                assert callback.startswith(("https://", "http://localhost")), (env, callback)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_acknowledges_the_language_extensions_transform(env):
    # template.yaml uses AWS::LanguageExtensions (prod's Retain policies), which
    # CloudFormation expands only with CAPABILITY_AUTO_EXPAND
    assert "CAPABILITY_AUTO_EXPAND" in _deploy(env)["capabilities"].split()
