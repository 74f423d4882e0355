"""JavaScript pieces of the collection's scripts: status, shape and error checks, and
the fragments several requests share (Postman scripts share no functions)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from tools.postman.schemas import contract


# ----------------------------------------------------------------------- script pieces
def js(source: str) -> str:
    """A JavaScript fragment, de-indented, ending with a newline (fragments concatenate)."""
    return textwrap.dedent(source).strip("\n") + "\n"


COLLECTION_PRE_REQUEST = js(r"""
// Fail fast when the environment still holds a placeholder for the API URL.
const baseUrl = pm.variables.get('baseUrl') || '';
if (!/^https?:\/\/[^<>]+$/.test(baseUrl)) {
    throw new Error('Set baseUrl in the environment to the API URL (the stack\'s ApiUrl output, or http://127.0.0.1:3000 for make dev).');
}
""")

COLLECTION_TEST = js(rf"""
// Every error the API returns has the contract's body (openapi.json, ErrorBody).
const fromApi = pm.request.url.toString().startsWith(pm.variables.get('baseUrl'));
if (fromApi && pm.response.code >= 400) {{
    pm.test('error body is {{error, error_description}}', () => {{
        pm.response.to.have.jsonSchema({json.dumps(contract("ErrorBody"))});
    }});
}}
""")

# Defined at the top of every script that needs it; Postman scripts share no functions.
CLAIMS_FN = js(r"""
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64').toString('utf8'));
""")

INBOX_FN = js(r"""
// The local stack's dev inbox: GET /_local/inbox/{email} -> {messages: [{to, kind, code, sent_at}]}, newest first.
const fetchCode = (email, variable) => pm.sendRequest(
    {url: pm.variables.get('baseUrl') + '/_local/inbox/' + encodeURIComponent(email), method: 'GET'},
    (err, res) => {
        pm.test('the dev inbox holds the code sent to ' + email, () => {
            pm.expect(err).to.equal(null);
            pm.expect(res.code).to.equal(200);
            const message = res.json().messages[0];
            pm.expect(message, 'newest message').to.be.an('object');
            pm.expect(message.to.toLowerCase()).to.equal(email.toLowerCase());
            pm.expect(message.code).to.match(/^\S+$/);
            pm.collectionVariables.set(variable, message.code);
        });
    });
const inboxLookup = String(pm.environment.get('inboxLookup')) === 'true';
""")

OTHER_USER_GUARD = js(r"""
// The cross-user checks need a second user: created here locally, given on AWS.
const local = String(pm.environment.get('inboxLookup')) === 'true';
if (!local && !pm.environment.get('otherUserEmail')) {
    console.log('Skipped: set otherUserEmail/otherUserPassword in the environment to run the cross-user checks.');
    pm.execution.skipRequest();
}
""")

LOCAL_ONLY_GUARD = js(r"""
if (String(pm.environment.get('inboxLookup')) !== 'true') {
    pm.execution.skipRequest();  // on AWS the second user is given, not created
}
""")


def status(code: int, reason: str) -> str:
    return f"pm.test('{code} {reason}', () => pm.response.to.have.status({code}));\n"


def shape(description: str, schema: dict[str, Any]) -> str:
    return (
        f"pm.test('body is {description}', () => "
        f"pm.response.to.have.jsonSchema({json.dumps(schema)}));\n"
    )


def error(code: int, reason: str, error_code: str) -> str:
    """Status plus the contract's ``error`` code (the body shape is checked collection-wide)."""
    return status(code, reason) + (
        f"pm.test('error is {error_code}', () => "
        f"pm.expect(pm.response.json().error).to.equal('{error_code}'));\n"
    )


NO_STORE = (
    "pm.test('Cache-Control: no-store (RFC 6749 section 5.1)', () => "
    "pm.expect(pm.response.headers.get('Cache-Control') || '').to.include('no-store'));\n"
)


def script(kind: str, source: str) -> dict[str, Any]:
    lines = textwrap.dedent(source).strip("\n").split("\n")
    return {"listen": kind, "script": {"type": "text/javascript", "exec": lines}}
