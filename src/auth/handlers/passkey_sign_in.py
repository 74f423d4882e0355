"""POST /auth/sign-in/passkey -> cognito-idp InitiateAuth USER_AUTH, WEB_AUTHN
(PasskeySignInFunction): passkey sign-in, step one.

Body ``{email}``; answers ``{challenge: "WEB_AUTHN", session, credential_request_options}``
for every email (:meth:`auth.sign_in_choice.SignInChoice.passkey_sign_in`). Step two is
``POST /auth/challenge`` with the browser's assertion as ``credential``.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import EMAIL, PASSKEY_CHALLENGE, AuthApp
from auth.models import EmailRequest, PasskeyChallenge
from auth.service import get_service
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="PasskeySignInFailures")


@app.post(
    "/auth/sign-in/passkey",
    operation_id="passkeySignIn",
    summary="Sign in with a passkey, step one: the WebAuthn request options (USER_AUTH, WEB_AUTHN)",
    description="Pass `credential_request_options` to `navigator.credentials.get()` and send "
    "the credential to `POST /auth/challenge` with `session`. Every email gets this answer, "
    "with or without an account or a passkey.",
    tags=["auth"],
    openapi_extensions=json_body(EmailRequest, {"email": EMAIL}),
    responses=app.responses(
        200,
        PasskeyChallenge,
        "The same answer for every email.",
        example=PASSKEY_CHALLENGE,
        errors={400: ("invalid_request",), 403: ("passkeys_disabled",)},
    ),
)
def passkey_sign_in() -> Response[str]:
    request = parse_json_request(app.current_event, EmailRequest)
    result = get_service().passkey_sign_in(request)
    app.count("PasskeyChallenges")
    return json_response(200, result)


lambda_handler = app.lambda_handler
