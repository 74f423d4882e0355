"""A template's WebAuthnRelyingPartyID / WebAuthnUserVerification reach the local Cognito
(``make dev`` provisions the pool from template.yaml through the cognito-idp API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from local_stack.aws.provisioning import provision
from local_stack.stack import local_parameter_overrides
from local_stack.template import Template

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: passkeys
      MfaConfiguration: OPTIONAL
      EnabledMfas: [SOFTWARE_TOKEN_MFA]
      WebAuthnRelyingPartyID: localhost
      WebAuthnUserVerification: required
      Policies:
        SignInPolicy:
          AllowedFirstAuthFactors: [PASSWORD, WEB_AUTHN]
"""


def test_the_templates_relying_party_is_the_pools(idp: Any, tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    provisioned = provision(Template.load(path), endpoint_url=None)
    config = boto3.client("cognito-idp", region_name="us-east-1").get_user_pool_mfa_config(
        UserPoolId=provisioned.user_pool_id
    )
    assert config["WebAuthnConfiguration"] == {
        "RelyingPartyId": "localhost",
        "UserVerification": "required",
    }
    assert config["MfaConfiguration"] == "OPTIONAL"
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


ROOT = Path(__file__).resolve().parents[3]


def _project_pool(overrides: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Provision the project's own template.yaml; the pool's description and MFA config."""
    provisioned = provision(Template.load(ROOT / "template.yaml", overrides), endpoint_url=None)
    client = boto3.client("cognito-idp", region_name="us-east-1")
    pool = client.describe_user_pool(UserPoolId=provisioned.user_pool_id)["UserPool"]
    config = client.get_user_pool_mfa_config(UserPoolId=provisioned.user_pool_id)
    return pool, config


def test_make_dev_gives_passkeys_the_relying_party_localhost(idp: Any) -> None:
    """What ``make dev`` provisions: passkeys for the app at http://localhost:<port>, with
    user verification required, as a first factor beside the password and emailed codes."""
    pool, config = _project_pool(local_parameter_overrides("127.0.0.1", 3000))
    assert config["WebAuthnConfiguration"] == {
        "RelyingPartyId": "localhost",
        "UserVerification": "required",
    }
    factors = pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"]
    assert sorted(factors) == ["EMAIL_OTP", "PASSWORD", "WEB_AUTHN"]


def test_without_the_parameter_the_relying_party_is_the_allowed_origins_host(idp: Any) -> None:
    """On AWS the default RP ID is the web app's host, taken from AllowedOrigin (scheme and
    port dropped): a passkey made on https://photos.example.com works there."""
    pool, config = _project_pool({"AllowedOrigin": "https://photos.example.com:8443"})
    assert config["WebAuthnConfiguration"]["RelyingPartyId"] == "photos.example.com"
    assert pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == ["PASSWORD", "WEB_AUTHN"]
