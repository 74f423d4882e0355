// Passkeys in the web app (issue 20): add, list and remove them on the account page, and
// sign in with one.
//
// The broker passes Cognito's WebAuthn options through as W3C JSON
// (PublicKeyCredentialCreationOptionsJSON / PublicKeyCredentialRequestOptionsJSON) and takes
// the browser's answer back as JSON (RegistrationResponseJSON / AuthenticationResponseJSON);
// docs/auth.md describes the routes. The RP ID is the app's host name (`localhost` under
// `make dev`), so a passkey works only where the app is opened by that name.

import * as api from "./api.js";
import { $, showError, toast } from "./ui.js";
// Vendored from npm (@simplewebauthn/browser 14.0.0, MIT; web/vendor/README.md): no CDN.
// Why a library rather than the browser's own PublicKeyCredential.parseCreationOptionsFromJSON /
// parseRequestOptionsFromJSON / credential.toJSON(): those are recent (Chrome 129, Firefox 119,
// Safari 18.4), so a browser from before 2025 with working passkeys would fail on them; the
// library does the base64url <-> ArrayBuffer conversion everywhere WebAuthn exists, and its
// WebAuthnError keeps the DOMException's name, which is what the messages below go by.
// Loaded on first use: its 21 modules stay off the first load (9 -> 30 requests otherwise).
const webauthn = () => import("../vendor/simplewebauthn-browser-14.0.0/index.js");

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** account.js's "Confirm it's you" dialog, set by initPasskeys. */
let askForProof = null;

// ---------------------------------------------------------------- messages

const UNSUPPORTED = "This browser can't use passkeys. Try a recent Chrome, Edge, Firefox or Safari";

/**
 * The sentence a person sees when a passkey ceremony or its API call fails.
 *
 * The browser's reasons are the DOMException names of the Web Authentication spec
 * (W3C WebAuthn Level 3, §5.1.3 and §5.1.4): NotAllowedError (cancelled, timed out, or no
 * matching passkey: the browser does not say which, on purpose), InvalidStateError (this
 * authenticator already holds one of the user's passkeys: `excludeCredentials`),
 * SecurityError (the page's host is not the RP ID, e.g. an IP address), AbortError.
 * The broker's are its error codes: `invalid_credentials` (a refused passkey),
 * `invalid_session` (the sign-in took too long), `invalid_passkey` (a refused registration).
 *
 * @param {Error} err - what the ceremony or api.js threw.
 * @param {"sign-in" | "add"} action - which ceremony.
 * @returns {Error} an Error whose message is that sentence (ApiErrors keep their fields).
 */
function explain(err, action) {
  const signIn = action === "sign-in";
  const sentence = (err instanceof api.ApiError ? brokerSentence(err, signIn) : browserSentence(err, signIn));
  if (!sentence) return err;
  if (err instanceof api.ApiError) return new api.ApiError(err.status, err.error, sentence);
  return new Error(sentence);
}

function browserSentence(err, signIn) {
  switch (err?.name) {
    case "NotAllowedError":
    case "AbortError":
      return signIn
        ? "No passkey was used: the request was cancelled or timed out, or this device has no passkey for that email. Try again, or sign in another way."
        : "No passkey was added: the request was cancelled or timed out. Nothing was changed.";
    case "InvalidStateError":
      return "This device already has a passkey for your account.";
    case "SecurityError": {
      const local = ["127.0.0.1", "[::1]"].includes(location.hostname);
      return `Passkeys don't work at ${location.host}.${local ? ` Open http://localhost:${location.port}/ instead.` : ""}`;
    }
    default:
      return null;
  }
}

function brokerSentence(err, signIn) {
  if (signIn && err.error === "invalid_credentials") {
    return "That passkey wasn't accepted. Try another passkey, or sign in with your password.";
  }
  if (signIn && err.error === "invalid_session") return "The sign-in took too long. Try again.";
  if (!signIn && err.error === "invalid_passkey") return `The passkey wasn't accepted: ${err.description}`;
  return null;
}

// ---------------------------------------------------------------- sign in

/**
 * Sign in with a passkey: POST /auth/sign-in/passkey, the browser's `navigator.credentials.get`
 * over its options, then POST /auth/challenge with the signed answer.
 *
 * @param {string} email - the account's email (the broker answers every email alike).
 * @returns {Promise<object>} what api.answerChallenge resolves to: the ID-token claims once
 *   signed in, or the next challenge `{challenge, session}`.
 * @throws {Error} with a sentence for the person (see explain); nothing is signed in.
 */
export async function signInWithPasskey(email) {
  const { browserSupportsWebAuthn, startAuthentication } = await webauthn();
  if (!browserSupportsWebAuthn()) throw new Error(`${UNSUPPORTED}, or sign in with your password.`);
  try {
    const { challenge, session, credential_request_options: optionsJSON } = await api.passkeySignIn({ email });
    const credential = await startAuthentication({ optionsJSON });
    return await api.answerChallenge({ email, challenge, session, credential });
  } catch (err) {
    throw explain(err, "sign-in");
  }
}

// ---------------------------------------------------------------- the account page

function passkeyName(passkey) {
  return passkey.friendly_name || "Unnamed passkey";
}

function passkeyRow(passkey) {
  const row = $("#passkey-row").content.firstElementChild.cloneNode(true);
  const name = passkeyName(passkey);
  $(".passkey-name", row).textContent = name;
  const time = $("time", row);
  time.dateTime = passkey.created_at;
  time.textContent = dateFormat.format(new Date(passkey.created_at));
  const remove = $(".passkey-remove", row);
  remove.setAttribute("aria-label", `Remove passkey ${name}`);
  remove.addEventListener("click", () => removePasskey(passkey, remove));
  return row;
}

/** Show the signed-in user's passkeys (GET /auth/passkeys) on the account page; a failure
 * goes to the section's alert. */
export async function showPasskeys() {
  const list = $("#passkeys");
  list.setAttribute("aria-busy", "true");
  try {
    const { passkeys } = await api.listPasskeys();
    list.replaceChildren(...passkeys.map(passkeyRow));
    $("#passkeys-empty").hidden = passkeys.length > 0;
  } catch (err) {
    showError($("#passkey-error"), err);
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

async function addPasskey() {
  const button = $("#passkey-add");
  showError($("#passkey-error"), null);
  button.disabled = true;
  try {
    const { browserSupportsWebAuthn, startRegistration } = await webauthn();
    if (!browserSupportsWebAuthn()) throw new Error(`${UNSUPPORTED}.`);
    const proof = await askForProof({ text: "Add a passkey to your account?", confirm: "Continue" });
    const { credential_creation_options: optionsJSON } = await api.passkeyRegistrationOptions(proof);
    const passkey = await api.registerPasskey(await startRegistration({ optionsJSON }));
    await showPasskeys();
    toast(`Passkey added: ${passkeyName(passkey)}.`);
  } catch (err) {
    showError($("#passkey-error"), explain(err, "add"));
  } finally {
    button.disabled = false;
    button.focus();
  }
}

async function removePasskey(passkey, button) {
  const name = passkeyName(passkey);
  showError($("#passkey-error"), null);
  try {
    const proof = await askForProof({
      text: `Remove the passkey "${name}"? It will no longer sign you in.`,
      confirm: "Remove passkey",
      danger: true,
    });
    await api.deletePasskey(passkey.credential_id, proof);
    await showPasskeys();
    toast(`Passkey removed: ${name}.`);
    $("#passkey-add").focus();
  } catch (err) {
    showError($("#passkey-error"), err);
    if (button.isConnected) button.focus();
  }
}

/**
 * Wire the account page's passkey section.
 * @param {{askForProof: Function}} account - account.js's proof dialog: resolves to
 *   `{password, code?}`, rejects when cancelled.
 */
export function initPasskeys(account) {
  ({ askForProof } = account);
  $("#passkey-add").addEventListener("click", addPasskey);
}
