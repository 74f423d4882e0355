"""make deploy-web: the callback-URL hint it prints after publishing web/."""

from tools.deploy_web import callback_hint
from tools.env_json import StackFacts

WEB_URL = "https://d111111abcdef8.cloudfront.net/"


def stack(callback_urls: str) -> StackFacts:
    return StackFacts(
        name="moments-dev",
        status="UPDATE_COMPLETE",
        region="eu-west-1",
        account_id="123456789012",
        partition="aws",
        parameters={
            "Stage": "dev",
            "CallbackUrls": callback_urls,
            "AccessTokenValidityMinutes": "15",
        },
        outputs={"WebUrl": WEB_URL},
    )


def test_no_hint_once_the_app_client_accepts_the_web_url():
    assert callback_hint(stack(f"http://localhost:3000/,{WEB_URL}")) is None


def test_the_hint_registers_the_web_url_and_repeats_every_other_parameter():
    # Given a stack whose app client does not know the CloudFront URL yet
    hint = callback_hint(stack("http://localhost:3000/"))
    # Then the printed command sets the URL for callbacks, logout and CORS ...
    assert hint is not None
    assert "sam deploy --stack-name moments-dev --parameter-overrides" in hint
    assert f'CallbackUrls="{WEB_URL}"' in hint and f'LogoutUrls="{WEB_URL}"' in hint
    assert 'AllowedOrigin="https://d111111abcdef8.cloudfront.net"' in hint
    # ... and keeps the other deployed parameters (a missing one would fall back to default)
    assert 'Stage="dev"' in hint and 'AccessTokenValidityMinutes="15"' in hint
