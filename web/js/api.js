// The Moments API client: the backend-for-frontend side of the browser.
//
// Token handling follows the IETF "OAuth 2.0 for Browser-Based Applications" draft
// (the backend-for-frontend / token-mediating pattern):
//   - the access token lives in this module's memory only, never in localStorage or
//     sessionStorage, so a script injected into another page cannot read it later;
//   - every call that mints or revokes tokens sends `X-Token-Delivery: cookie`, so the broker
//     keeps the refresh token out of the JSON and sets it as an HttpOnly; Secure;
//     SameSite=Strict cookie scoped to /auth; `credentials: "same-origin"` sends it back;
//   - a reload restores the session by asking POST /auth/token for a refresh-token grant
//     (the cookie supplies the refresh token), but only when the session hint below says a
//     cookie is there, so a signed-out visitor's first load sends nothing and logs no 400.
//
// Every error body is {"error": "<code>", "error_description": "<sentence>"} (API contract v1).

const DELIVERY_HEADER = { "X-Token-Delivery": "cookie" };

/** An API failure: HTTP `status`, the contract's `error` code and its `description`. */
export class ApiError extends Error {
  constructor(status, error, description) {
    super(description);
    this.name = "ApiError";
    this.status = status;
    this.error = error;
    this.description = description;
  }
}

let accessToken = null;
let idClaims = null;
let refreshing = null;
const sessionListeners = new Set();

// The session hint: a non-secret note in localStorage, {"expires_at": <ms since the epoch>},
// saying "a refresh cookie was set and lives until then". Scripts cannot see the HttpOnly
// cookie itself, and a refresh grant without one rightly answers 400 invalid_request, so
// restoreSession() only tries the refresh while the hint is present and unexpired.
//   - Set on sign-in (answerChallenge, exchangeCode too) to now + SESSION_HINT_MS. A
//     refresh keeps it: a rotated refresh token lives only for the rest of the original's
//     lifetime (docs/auth.md, "Browser cookie delivery").
//   - Cleared whenever the session ends: sign-out, account deletion, a failed refresh.
//   - SESSION_HINT_MS is the template's default RefreshTokenValidityDays (30 days); the app
//     cannot read the real lifetime. With a shorter one, or when the user clears their
//     cookies, the hint goes stale: the next load makes one failing refresh (a 400 in the
//     console), which clears it. With a longer one, a session older than 30 days asks the
//     user to sign in again instead of restoring silently.
const SESSION_HINT = "moments.session_hint";
const SESSION_HINT_MS = 30 * 24 * 3600 * 1000;

function sessionHintValid() {
  try {
    const hint = JSON.parse(localStorage.getItem(SESSION_HINT));
    return typeof hint?.expires_at === "number" && hint.expires_at > Date.now();
  } catch {
    return false; // unreadable storage or a malformed hint: no hint
  }
}

function setSessionHint(present) {
  try {
    if (present) localStorage.setItem(SESSION_HINT, JSON.stringify({ expires_at: Date.now() + SESSION_HINT_MS }));
    else localStorage.removeItem(SESSION_HINT);
  } catch {
    // Storage disabled: no hint, so reloads show the sign-in view; nothing else changes.
  }
}

/** Subscribe to session changes; the callback gets the ID-token claims, or null when signed out. */
export function onSessionChange(callback) {
  sessionListeners.add(callback);
}

/** True while an access token is held in memory. */
export function isSignedIn() {
  return accessToken !== null;
}

/** Keep `tokens` (or drop the session for null). `signedIn`: a sign-in just set a new
 * refresh cookie, so the session hint starts afresh; ending the session clears it. */
function setSession(tokens, { signedIn = false } = {}) {
  if (!tokens) setSessionHint(false);
  else if (signedIn) setSessionHint(true);
  accessToken = tokens ? tokens.access_token : null;
  idClaims = tokens && tokens.id_token ? decodeClaims(tokens.id_token) : null;
  for (const callback of sessionListeners) callback(idClaims);
}

// Reads a JWT's payload for display (the user's email and name). No signature check is
// needed or wanted here: the API Gateway authorizer verifies every token it receives, and
// the app makes no security decision from these claims.
function decodeClaims(jwt) {
  try {
    const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(
      Uint8Array.from(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, "=")), (c) => c.charCodeAt(0)),
    );
    return JSON.parse(json);
  } catch {
    return null;
  }
}

/**
 * Build an ApiError from a status and a response body's text (fetch or XMLHttpRequest).
 * A body that is not the contract's error JSON (a proxy page, S3's XML) gets a generic message.
 */
export function apiError(status, text) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: fall through to the generic message.
  }
  if (body && typeof body.error === "string") {
    return new ApiError(status, body.error, body.error_description || body.error);
  }
  return new ApiError(status, "http_error", `The server answered ${status}. Please try again.`);
}

/**
 * Call the API with fetch.
 *
 * @param {string} path - e.g. "/auth/sign-in" or "/photos?limit=24".
 * @param {object} [options]
 * @param {string} [options.method="GET"]
 * @param {object} [options.json] - sent as a JSON body.
 * @param {boolean} [options.auth=false] - add the Bearer access token; on 401 refresh once and retry.
 * @param {boolean} [options.cookie=false] - ask the broker for cookie delivery of the refresh token.
 * @returns {Promise<any>} the parsed JSON body, or null for 204.
 * @throws {ApiError} for any non-2xx answer or a network failure (status 0).
 */
export async function request(path, { method = "GET", json, auth = false, cookie = false } = {}) {
  const send = (authHeader = {}) => {
    const headers = { Accept: "application/json", ...authHeader };
    if (json !== undefined) headers["Content-Type"] = "application/json";
    if (cookie) Object.assign(headers, DELIVERY_HEADER);
    return fetch(path, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      credentials: "same-origin",
      cache: "no-store",
    });
  };
  let response;
  try {
    response = await (auth ? withAuth(send) : send());
  } catch {
    throw new ApiError(0, "network_error", "Could not reach Moments. Check your connection and try again.");
  }
  if (!response.ok) throw apiError(response.status, await response.text());
  return response.status === 204 ? null : response.json();
}

/**
 * Send a call with the Bearer access token, for fetch and XMLHttpRequest alike.
 *
 * @param {(authHeader: object) => Promise<{status: number}>} send - sends the request with
 *   `authHeader` ({Authorization} while signed in, else {}) among its headers and resolves to
 *   anything with a `status` (a fetch Response, a finished XMLHttpRequest).
 * @returns the answer; on 401 the token is refreshed once and `send` called again, and a 401
 *   after that ends the session.
 */
export async function withAuth(send) {
  const authHeader = () => (accessToken ? { Authorization: `Bearer ${accessToken}` } : {});
  let response = await send(authHeader());
  if (response.status !== 401 || (await isProofFailure(response))) return response;
  if (await refresh()) response = await send(authHeader());
  if (response.status === 401 && !(await isProofFailure(response))) setSession(null);
  return response;
}

/** The 401 codes of a missing or wrong fresh proof of identity (docs/auth.md): the token
 * is fine, so they neither refresh it (a retry would resend a wrong password) nor sign out. */
const PROOF_ERRORS = new Set(["reauthentication_required", "invalid_credentials"]);

async function isProofFailure(response) {
  let text = "";
  try {
    text = typeof response.clone === "function" ? await response.clone().text() : response.responseText || "";
    return PROOF_ERRORS.has(JSON.parse(text).error);
  } catch {
    return false;
  }
}

/**
 * On load: restore the session from the refresh-token cookie if the session hint says there
 * is one (see SESSION_HINT above); otherwise send nothing. Resolves true when signed in.
 */
export function restoreSession() {
  return sessionHintValid() ? refresh() : Promise.resolve(false);
}

/**
 * Get a fresh access token from the refresh-token cookie (single flight: concurrent callers
 * share one request). Resolves true on success, false when there is no valid session.
 */
export function refresh() {
  if (!refreshing) {
    refreshing = request("/auth/token", { method: "POST", json: { grant_type: "refresh_token" }, cookie: true })
      .then((tokens) => {
        setSession(tokens);
        return true;
      })
      .catch(() => {
        setSession(null);
        return false;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

// ---------------------------------------------------------------- auth broker

let configPromise = null;

/** GET /auth/config, cached: {authorize_url, logout_url, client_id, scopes, redirect_uris, logout_uris, ...}. */
export function authConfig() {
  if (!configPromise) {
    configPromise = request("/auth/config").catch((err) => {
      configPromise = null;
      throw err;
    });
  }
  return configPromise;
}

/** POST /auth/sign-up → 201 {code_delivery}, the same for new and existing emails. */
export function signUp({ email, password, name }) {
  const json = { email, password };
  if (name) json.name = name;
  return request("/auth/sign-up", { method: "POST", json });
}

/** POST /auth/confirm → {confirmed: true}. */
export function confirmSignUp({ email, code }) {
  return request("/auth/confirm", { method: "POST", json: { email, code } });
}

/** POST /auth/resend-code → {code_delivery}. */
export function resendCode({ email }) {
  return request("/auth/resend-code", { method: "POST", json: { email } });
}

/**
 * POST /auth/sign-in with cookie delivery; keeps the access token in memory. With TOTP MFA
 * on, the answer is `{challenge, session}` instead (answer it with answerChallenge).
 */
export async function signIn({ email, password }) {
  const result = await request("/auth/sign-in", { method: "POST", json: { email, password }, cookie: true });
  if (result.challenge) return { challenge: result.challenge, session: result.session };
  setSession(result, { signedIn: true });
  return idClaims;
}

/** POST /auth/sign-in/email-code: passwordless sign-in; answers `{challenge: "EMAIL_OTP", session}`. */
export function emailCode({ email }) {
  return request("/auth/sign-in/email-code", { method: "POST", json: { email } });
}

/**
 * POST /auth/challenge with cookie delivery: answer a sign-in challenge, with `answer` (the
 * code of SOFTWARE_TOKEN_MFA / EMAIL_OTP) or `credential` (WEB_AUTHN's
 * AuthenticationResponseJSON). Resolves to the ID-token claims once signed in, or to the
 * next challenge `{challenge, session, credential_request_options?}` (e.g. TOTP after a
 * first factor).
 */
export async function answerChallenge({ email, challenge, session, answer, credential }) {
  const json = credential === undefined ? { email, challenge, session, answer } : { email, challenge, session, credential };
  const result = await request("/auth/challenge", { method: "POST", json, cookie: true });
  if (result.challenge) return result;
  setSession(result, { signedIn: true });
  return idClaims;
}

/**
 * POST /auth/sign-in/passkey → `{challenge: "WEB_AUTHN", session, credential_request_options}`
 * (W3C PublicKeyCredentialRequestOptionsJSON). The same shape for every email (no account
 * oracle); answer it with answerChallenge({credential}).
 */
export function passkeySignIn({ email }) {
  return request("/auth/sign-in/passkey", { method: "POST", json: { email } });
}

/** POST /auth/token (authorization_code + PKCE) with cookie delivery; keeps the access token in memory. */
export async function exchangeCode({ code, redirect_uri, code_verifier }) {
  const tokens = await request("/auth/token", {
    method: "POST",
    json: { grant_type: "authorization_code", code, redirect_uri, code_verifier },
    cookie: true,
  });
  setSession(tokens, { signedIn: true });
  return idClaims;
}

/**
 * POST /auth/sign-out: the broker revokes the refresh token from the cookie and clears it.
 * The access token goes in the body (not as Bearer, which would sign out everywhere) so
 * the API refuses it at once instead of when it expires.
 * The in-memory session is dropped even if the call fails (the user asked to leave).
 */
export async function signOut() {
  try {
    const json = accessToken ? { access_token: accessToken } : {};
    await request("/auth/sign-out", { method: "POST", json, cookie: true });
  } finally {
    setSession(null);
  }
}

/** POST /auth/forgot-password → 200 (the same answer for known and unknown emails). */
export function forgotPassword({ email }) {
  return request("/auth/forgot-password", { method: "POST", json: { email } });
}

/** POST /auth/reset-password → 200. */
export function resetPassword({ email, code, password }) {
  return request("/auth/reset-password", { method: "POST", json: { email, code, password } });
}

// ---------------------------------------------------------------- the account (issue 13)

/** GET /auth/account → {email, email_verified, name, totp_enabled}. */
export function getAccount() {
  return request("/auth/account", { auth: true });
}

/** PATCH /auth/account {name} → the profile. */
export function updateAccount({ name }) {
  return request("/auth/account", { method: "PATCH", json: { name }, auth: true });
}

/** POST /auth/account/password {previous_password, proposed_password} → 200. */
export function changePassword({ previous_password, proposed_password }) {
  return request("/auth/account/password", {
    method: "POST",
    json: { previous_password, proposed_password },
    auth: true,
  });
}

/** POST /auth/account/email {email, password, code?} → {code_delivery}: a code goes to the
 * new address. `password` (and `code` with TOTP on) is the fresh proof (docs/auth.md). */
export function changeEmail({ email, password, code }) {
  return request("/auth/account/email", { method: "POST", json: { email, password, code }, auth: true });
}

/** POST /auth/account/email/verify {code} → the profile, with the new email. */
export function verifyEmail({ code }) {
  return request("/auth/account/email/verify", { method: "POST", json: { code }, auth: true });
}

/** POST /auth/mfa/setup → {secret_code, otpauth_uri}. */
export function setUpMfa() {
  return request("/auth/mfa/setup", { method: "POST", auth: true });
}

/** POST /auth/mfa/verify {code, password} → {totp_enabled: true}. */
export function verifyMfa({ code, password }) {
  return request("/auth/mfa/verify", { method: "POST", json: { code, password }, auth: true });
}

/** DELETE /auth/mfa {password, code} → {totp_enabled: false}. */
export function disableMfa({ password, code }) {
  return request("/auth/mfa", { method: "DELETE", json: { password, code }, auth: true });
}

/** DELETE /auth/account {password, code?} → {account_deleted, photos_deleted}; the session ends. */
export async function deleteAccount({ password, code }) {
  const result = await request("/auth/account", { method: "DELETE", json: { password, code }, auth: true });
  setSession(null);
  return result;
}

// ---------------------------------------------------------------- passkeys (issue 20)

/** POST /auth/passkeys/registration-options {password, code?} (the fresh proof) →
 * {credential_creation_options} (W3C PublicKeyCredentialCreationOptionsJSON). */
export function passkeyRegistrationOptions({ password, code }) {
  return request("/auth/passkeys/registration-options", { method: "POST", json: { password, code }, auth: true });
}

/** POST /auth/passkeys {credential} (RegistrationResponseJSON) → 201 the new passkey. */
export function registerPasskey(credential) {
  return request("/auth/passkeys", { method: "POST", json: { credential }, auth: true });
}

/** GET /auth/passkeys → {passkeys: [{credential_id, friendly_name, created_at, ...}]}. */
export function listPasskeys() {
  return request("/auth/passkeys", { auth: true });
}

/** DELETE /auth/passkeys/{credential_id} {password, code?} → {deleted: true}. */
export function deletePasskey(credentialId, { password, code }) {
  return request(`/auth/passkeys/${encodeURIComponent(credentialId)}`, {
    method: "DELETE",
    json: { password, code },
    auth: true,
  });
}

// ---------------------------------------------------------------- photos

/** GET /photos → {items: [photo], next_cursor: string|null}, newest first. */
export function listPhotos({ limit = 24, cursor = null } = {}) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set("cursor", cursor);
  return request(`/photos?${query}`, { auth: true });
}

/** GET /photos/{photo_id} → photo. */
export function getPhoto(photoId) {
  return request(`/photos/${encodeURIComponent(photoId)}`, { auth: true });
}

/** DELETE /photos/{photo_id} → 204. */
export function deletePhoto(photoId) {
  return request(`/photos/${encodeURIComponent(photoId)}`, { method: "DELETE", auth: true });
}

/** POST /photos/upload-url → 201 {photo_id, upload: {url, fields}, expires_in} (presigned POST). */
export function createUploadUrl({ filename, content_type, size_bytes }) {
  return request("/photos/upload-url", { method: "POST", json: { filename, content_type, size_bytes }, auth: true });
}
