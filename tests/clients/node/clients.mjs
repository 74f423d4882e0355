// Node's Cognito and OIDC clients against a running local stack (tests/clients).
//
// Input: the JSON in $MOMENTS_CLIENTS_ENV (URLs, pool and client ids, users; see
// test_node_clients.py). Output: one JSON array on stdout, one entry per check:
// {client, operation, ok, detail}. Every check runs even when an earlier one fails.
// Configuration is the one docs/local-stack.md documents: SDK `endpoint` = the emulator,
// openid-client discovers `<hosted UI>/.well-known/openid-configuration`, aws-jwt-verify
// gets the JWKS from `<hosted UI>/.well-known/jwks.json` (cacheJwks).
import { createHmac } from "node:crypto";
import {
  AdminInitiateAuthCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import identity from "amazon-cognito-identity-js";
import * as oidc from "openid-client";
import { CognitoJwtVerifier } from "aws-jwt-verify";

const env = JSON.parse(process.env.MOMENTS_CLIENTS_ENV);
const results = [];

async function check(client, operation, body) {
  try {
    const detail = await body();
    results.push({ client, operation, ok: true, detail: detail ?? "" });
  } catch (error) {
    results.push({ client, operation, ok: false, detail: String(error?.stack ?? error).slice(0, 600) });
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function expectError(promise, name, message) {
  try {
    await promise;
  } catch (error) {
    const got = error.name ?? error.code ?? error.error;
    expect(got === name, `expected ${name}, got ${got}: ${error.message}`);
    if (message !== undefined) expect(error.message === message, `message: ${error.message}`);
    return `${got}: ${error.message}`;
  }
  throw new Error(`expected ${name}, got success`);
}

const secretHash = (username) =>
  createHmac("sha256", env.clientSecret).update(username + env.clientId).digest("base64");

// ------------------------------------------------------------ @aws-sdk/client-cognito-identity-provider
const sdk = new CognitoIdentityProviderClient({
  region: env.region,
  endpoint: env.emulatorUrl,
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
});
const SDK = "@aws-sdk/client-cognito-identity-provider";
let sdkTokens;

await check(SDK, "InitiateAuth USER_PASSWORD_AUTH with SECRET_HASH -> tokens", async () => {
  const out = await sdk.send(new InitiateAuthCommand({
    ClientId: env.clientId, AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: env.email, PASSWORD: env.password, SECRET_HASH: secretHash(env.email) },
  }));
  sdkTokens = out.AuthenticationResult;
  expect(sdkTokens?.AccessToken && sdkTokens?.RefreshToken, "no tokens");
});

await check(SDK, "InitiateAuth USER_SRP_AUTH on a USER_PASSWORD_AUTH-only client -> InvalidParameterException", () =>
  expectError(sdk.send(new InitiateAuthCommand({
    ClientId: env.clientId, AuthFlow: "USER_SRP_AUTH",
    AuthParameters: { USERNAME: env.email, SRP_A: "ab".repeat(384), SECRET_HASH: secretHash(env.email) },
  })), "InvalidParameterException"));

await check(SDK, "AdminInitiateAuth wrong password -> NotAuthorizedException without the username", async () => {
  const detail = await expectError(sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: env.poolId, ClientId: env.publicClientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: env.email, PASSWORD: "Wrong-Horse-9" },
  })), "NotAuthorizedException", "Incorrect username or password.");
  expect(!detail.includes(env.email), "the error names the user");
  return detail;
});

await check(SDK, "GetTokensFromRefreshToken, RevokeToken, then refresh refused", async () => {
  const rotated = await sdk.send(new GetTokensFromRefreshTokenCommand({
    ClientId: env.clientId, ClientSecret: env.clientSecret, RefreshToken: sdkTokens.RefreshToken,
  }));
  const next = rotated.AuthenticationResult.RefreshToken;
  expect(next && next !== sdkTokens.RefreshToken, "no rotation");
  await sdk.send(new RevokeTokenCommand({ ClientId: env.clientId, ClientSecret: env.clientSecret, Token: next }));
  return expectError(sdk.send(new GetTokensFromRefreshTokenCommand({
    ClientId: env.clientId, ClientSecret: env.clientSecret, RefreshToken: next,
  })), "NotAuthorizedException");
});

await check(SDK, "GlobalSignOut, then GetUser with the same access token -> NotAuthorizedException", async () => {
  const out = await sdk.send(new InitiateAuthCommand({
    ClientId: env.clientId, AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: env.email, PASSWORD: env.password, SECRET_HASH: secretHash(env.email) },
  }));
  const access = out.AuthenticationResult.AccessToken;
  const user = await sdk.send(new GetUserCommand({ AccessToken: access }));
  expect(user.UserAttributes.some((a) => a.Name === "email" && a.Value === env.email), "email");
  await sdk.send(new GlobalSignOutCommand({ AccessToken: access }));
  return expectError(sdk.send(new GetUserCommand({ AccessToken: access })), "NotAuthorizedException");
});

await check(SDK, "SignUp, then ConfirmSignUp with the code from the dev inbox -> confirmed", async () => {
  const email = `node-signup-${Date.now()}@example.com`;
  const out = await sdk.send(new SignUpCommand({
    ClientId: env.clientId, Username: email, Password: env.password, SecretHash: secretHash(email),
    UserAttributes: [{ Name: "email", Value: email }],
  }));
  expect(out.UserConfirmed === false && out.CodeDeliveryDetails?.DeliveryMedium === "EMAIL", "delivery");
  await expectError(sdk.send(new ConfirmSignUpCommand({
    ClientId: env.clientId, Username: email, SecretHash: secretHash(email), ConfirmationCode: "000000",
  })), "CodeMismatchException");
  const inbox = await (await fetch(`${env.apiUrl}/_local/inbox/${email}`)).json();
  const code = inbox.messages.find((m) => m.kind === "sign_up").code;
  await sdk.send(new ConfirmSignUpCommand({
    ClientId: env.clientId, Username: email, SecretHash: secretHash(email), ConfirmationCode: code,
  }));
});

await check(SDK, "ForgotPassword for an unknown user -> simulated delivery (PreventUserExistenceErrors)", async () => {
  const email = "nobody-forgot@example.com";
  const out = await sdk.send(new ForgotPasswordCommand({ ClientId: env.clientId, Username: email, SecretHash: secretHash(email) }));
  expect(out.CodeDeliveryDetails?.DeliveryMedium === "EMAIL", "no simulated delivery");
});

// ------------------------------------------------------------ amazon-cognito-identity-js (SRP, as Amplify)
const IDJS = "amazon-cognito-identity-js";

function srpSignIn(clientId, username, password) {
  const pool = new identity.CognitoUserPool({ UserPoolId: env.poolId, ClientId: clientId, endpoint: env.emulatorUrl });
  const user = new identity.CognitoUser({ Username: username, Pool: pool });
  const details = new identity.AuthenticationDetails({ Username: username, Password: password });
  return new Promise((resolve, reject) => {
    user.authenticateUser(details, {
      onSuccess: resolve,
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("newPasswordRequired")),
    });
  });
}

await check(IDJS, "authenticateUser (USER_SRP_AUTH) with the right password -> session", async () => {
  const session = await srpSignIn(env.publicClientId, env.srpEmail, env.password);
  expect(session.isValid(), "invalid session");
  expect(session.getAccessToken().decodePayload().client_id === env.publicClientId, "client_id");
});

await check(IDJS, "refreshSession (REFRESH_TOKEN_AUTH) after an SRP sign-in -> new tokens", async () => {
  const pool = new identity.CognitoUserPool({ UserPoolId: env.poolId, ClientId: env.publicClientId, endpoint: env.emulatorUrl });
  const user = new identity.CognitoUser({ Username: env.srpEmail, Pool: pool });
  const details = new identity.AuthenticationDetails({ Username: env.srpEmail, Password: env.password });
  const session = await new Promise((resolve, reject) =>
    user.authenticateUser(details, { onSuccess: resolve, onFailure: reject }));
  const renewed = await new Promise((resolve, reject) =>
    user.refreshSession(session.getRefreshToken(), (error, value) => (error ? reject(error) : resolve(value))));
  expect(renewed.getAccessToken().getJwtToken() !== session.getAccessToken().getJwtToken(), "same token");
  const before = session.getAccessToken().decodePayload();
  const after = renewed.getAccessToken().decodePayload();
  expect(after.auth_time === before.auth_time && after.origin_jti === before.origin_jti, "authentication changed");
});

await check(IDJS, "authenticateUser with a wrong password -> NotAuthorizedException", () =>
  expectError(srpSignIn(env.publicClientId, env.srpEmail, "Wrong-Horse-9"), "NotAuthorizedException",
    "Incorrect username or password."));

await check(IDJS, "authenticateUser for an unknown user -> NotAuthorizedException (PreventUserExistenceErrors)", () =>
  expectError(srpSignIn(env.publicClientId, "nobody-node@example.com", env.password), "NotAuthorizedException",
    "Incorrect username or password."));

await check(IDJS, "authenticateUser on a client without ALLOW_USER_SRP_AUTH -> InvalidParameterException", () =>
  expectError(srpSignIn(env.passwordOnlyClientId, env.srpEmail, env.password), "InvalidParameterException"));

// ------------------------------------------------------------ openid-client v6
const OIDC = "openid-client";
let config;
let codeTokens;
let codeIdToken; // from the authorization-code grant (refreshed ID tokens carry no at_hash)

async function browserSignIn(authorizeUrl, email) {
  const page = await fetch(authorizeUrl, { redirect: "manual" });
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
  expect(action, `no login form (${page.status})`);
  const answer = await fetch(new URL(action, authorizeUrl), {
    method: "POST", body: new URLSearchParams({ email, password: env.password }), redirect: "manual",
  });
  expect(answer.status === 302, `login answered ${answer.status}`);
  return new URL(answer.headers.get("location"));
}

await check(OIDC, "discovery(<hosted UI>/.well-known/openid-configuration) -> Cognito's issuer", async () => {
  config = await oidc.discovery(
    new URL(`${env.hostedUiUrl}/.well-known/openid-configuration`), env.clientId, env.clientSecret,
    undefined, { execute: [oidc.allowInsecureRequests] });
  const meta = config.serverMetadata();
  expect(meta.issuer === env.issuer, `issuer ${meta.issuer}`);
  expect(meta.revocation_endpoint, "no revocation_endpoint");
  return meta.issuer;
});

await check(OIDC, "authorizationCodeGrant with PKCE, state and nonce -> validated ID token", async () => {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: env.redirectUri, scope: env.scopes.join(" "), state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256",
  });
  const back = await browserSignIn(url, env.email);
  codeTokens = await oidc.authorizationCodeGrant(config, back, {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
  });
  codeIdToken = codeTokens.id_token;
  const claims = codeTokens.claims();
  expect(claims.email === env.email, "email claim");
  expect(typeof claims.at_hash === "string", "no at_hash");
});

await check(OIDC, "refreshTokenGrant with the granted scope -> tokens", async () => {
  const refreshed = await oidc.refreshTokenGrant(config, codeTokens.refresh_token, { scope: env.scopes.join(" ") });
  expect(refreshed.access_token && refreshed.access_token !== codeTokens.access_token, "no new access token");
  codeTokens = { ...codeTokens, ...refreshed };
});

await check(OIDC, "fetchUserInfo with the access token -> the user's claims", async () => {
  const sub = JSON.parse(Buffer.from(codeTokens.access_token.split(".")[1], "base64url")).sub;
  const info = await oidc.fetchUserInfo(config, codeTokens.access_token, sub);
  expect(info.email === env.email, "email");
});

await check(OIDC, "tokenRevocation of the refresh token, then refreshTokenGrant refused", async () => {
  await oidc.tokenRevocation(config, codeTokens.refresh_token, { token_type_hint: "refresh_token" });
  try {
    await oidc.refreshTokenGrant(config, codeTokens.refresh_token);
  } catch (error) {
    expect(error.error === "invalid_grant", `error ${error.error ?? error.message}`);
    return "invalid_grant";
  }
  throw new Error("the revoked refresh token still refreshes");
});

// ------------------------------------------------------------ aws-jwt-verify
const VERIFY = "aws-jwt-verify";
const jwks = await (await fetch(`${env.hostedUiUrl}/.well-known/jwks.json`)).json();

await check(VERIFY, "CognitoJwtVerifier (tokenUse access, clientId) verifies a USER_PASSWORD_AUTH access token", async () => {
  const verifier = CognitoJwtVerifier.create({ userPoolId: env.poolId, tokenUse: "access", clientId: env.clientId });
  verifier.cacheJwks(jwks);
  const payload = await verifier.verify(sdkTokens.AccessToken);
  expect(payload.version === 2 && payload.origin_jti && payload.event_id, "claims");
});

await check(VERIFY, "CognitoJwtVerifier (tokenUse id) verifies a hosted-UI ID token", async () => {
  const verifier = CognitoJwtVerifier.create({ userPoolId: env.poolId, tokenUse: "id", clientId: env.clientId });
  verifier.cacheJwks(jwks);
  const payload = await verifier.verify(codeIdToken);
  expect(payload.at_hash && payload.email === env.email, "claims");
});

await check(VERIFY, "CognitoJwtVerifier (tokenUse access, scope openid) verifies a hosted-UI access token", async () => {
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: env.redirectUri, scope: env.scopes.join(" ") });
  const back = await browserSignIn(url, env.email);
  const tokens = await oidc.authorizationCodeGrant(config, back, { idTokenExpected: true });
  const verifier = CognitoJwtVerifier.create({
    userPoolId: env.poolId, tokenUse: "access", clientId: env.clientId, scope: "openid",
  });
  verifier.cacheJwks(jwks);
  const payload = await verifier.verify(tokens.access_token);
  expect(payload.scope.split(" ").includes("openid"), "scope");
});

await check(VERIFY, "CognitoJwtVerifier rejects an ID token where an access token is expected", async () => {
  const verifier = CognitoJwtVerifier.create({ userPoolId: env.poolId, tokenUse: "access", clientId: env.clientId });
  verifier.cacheJwks(jwks);
  try {
    await verifier.verify(sdkTokens.IdToken);
  } catch (error) {
    return error.name;
  }
  throw new Error("an ID token passed as an access token");
});

process.stdout.write(JSON.stringify(results));
