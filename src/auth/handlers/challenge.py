"""POST /auth/challenge -> cognito-idp RespondToAuthChallenge (ChallengeFunction).

Body ``{email, challenge, session, answer}``: the second step of a sign-in that answered
``{challenge, session}``. Success is the token response of ``POST /auth/sign-in``
(``X-Token-Delivery: cookie`` works the same).
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import ChallengeAnswer
from auth.service import get_service
from auth.web import token_response, wants_cookie
from shared.http import FunctionApp, parse_json_request

app = FunctionApp(failure_metric="ChallengeFailures")


@app.post("/auth/challenge")
def answer_challenge() -> Response:
    request = parse_json_request(app.current_event, ChallengeAnswer)
    service = get_service()
    tokens = service.answer_challenge(request)
    app.count("SignIns")
    max_age = service.refresh_token_max_age() if wants_cookie(app.current_event) else None
    return token_response(tokens, cookie_max_age=max_age)


lambda_handler = app.lambda_handler
