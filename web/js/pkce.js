// Authorization-code grant with PKCE for the hosted UI.
//
//   RFC 6749 section 4.1   authorization code grant; `state` guards against CSRF (section 10.12)
//   RFC 7636               PKCE: code_verifier (43-128 unreserved chars), S256 code_challenge
//
// Only the one-time `state` and `code_verifier` are kept in sessionStorage, for the redirect
// round trip; they are deleted as soon as the app is back. Tokens never go there.

const STORAGE_KEY = "moments.pkce";

function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(byteLength) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/** The S256 challenge of a verifier: BASE64URL(SHA-256(ASCII(code_verifier))) (RFC 7636 section 4.2). */
export async function codeChallenge(codeVerifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(codeVerifier));
  return base64url(new Uint8Array(digest));
}

/** The redirect URI for this origin: the entry of `redirectUris` equal to `location.origin + "/"`. */
export function redirectUriFor(redirectUris) {
  const wanted = `${location.origin}/`;
  return (redirectUris || []).find((uri) => uri === wanted) || null;
}

/**
 * Send the browser to the hosted UI's /oauth2/authorize.
 *
 * @param {object} config - GET /auth/config: authorize_url, client_id, scopes, redirect_uris.
 * @throws {Error} when this origin is not one of the app client's callback URLs.
 */
export async function startAuthorization(config) {
  const redirectUri = redirectUriFor(config.redirect_uris);
  if (!redirectUri) {
    throw new Error(`This address (${location.origin}/) is not a registered callback URL of the app client.`);
  }
  const codeVerifier = randomString(32); // 43 characters after base64url
  const state = randomString(16);
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ state, code_verifier: codeVerifier, redirect_uri: redirectUri }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: redirectUri,
    scope: config.scopes.join(" "),
    state,
    code_challenge: await codeChallenge(codeVerifier),
    code_challenge_method: "S256",
  });
  location.assign(`${config.authorize_url}?${query}`);
}

/**
 * Read the authorization response from the current URL, if there is one, and clean the URL.
 *
 * @returns {null | {code, code_verifier, redirect_uri} | {error: string}}
 *   null when the URL carries no authorization response; `{error}` for a denied request,
 *   a state mismatch or a lost verifier; otherwise what POST /auth/token needs.
 */
export function takeAuthorizationResponse() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return null;
  const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  sessionStorage.removeItem(STORAGE_KEY);
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
  if (params.has("error")) {
    return { error: params.get("error_description") || `The hosted UI answered: ${params.get("error")}.` };
  }
  if (!saved || saved.state !== params.get("state")) {
    return { error: "The sign-in response did not match this browser's request. Please try again." };
  }
  return { code: params.get("code"), code_verifier: saved.code_verifier, redirect_uri: saved.redirect_uri };
}

/** The hosted UI's /logout URL that ends its session and comes back to this origin, or null. */
export function logoutUrl(config) {
  const logoutUri = (config.logout_uris || []).find((uri) => uri === `${location.origin}/`);
  if (!config.logout_url || !logoutUri) return null;
  const query = new URLSearchParams({ client_id: config.client_id, logout_uri: logoutUri });
  return `${config.logout_url}?${query}`;
}
