"""A template's WebAuthnRelyingPartyID / WebAuthnUserVerification reach the local Cognito
(``make dev`` provisions the pool from template.yaml through the cognito-idp API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from local_stack.aws.provisioning import provision
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
