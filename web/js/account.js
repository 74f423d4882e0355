// The account page (issue 13): the profile, email and password changes, two-step
// verification (TOTP, with a QR code), passkeys (passkeys.js) and deleting the account. Every
// sensitive change asks for a fresh proof of identity first (askForProof, docs/auth.md).

import * as api from "./api.js";
import { initPasskeys, showPasskeys } from "./passkeys.js";
import { $, onClick, onSubmit, showError, toast } from "./ui.js";
// Vendored from npm (qrcode-generator 2.0.4, MIT; web/vendor/README.md): no CDN.
import qrcode from "../vendor/qrcode-generator-2.0.4.js";

/** app.js's view switch and photo-grid reset, set by initAccount. */
let show = null;
let resetGrid = null;

/** The profile last shown (its `totp_enabled` says whether a proof needs a code). */
let shownAccount = null;

function renderAccount(account) {
  shownAccount = account;
  $("#account-email").textContent = `Signed in as ${account.email}`;
  $("#profile-name").value = account.name || "";
  $("#mfa-status").textContent = account.totp_enabled
    ? "On: signing in asks for a code from your authenticator app."
    : "Off: signing in needs your password only.";
  $("#mfa-start").hidden = account.totp_enabled;
  $("#mfa-off").hidden = !account.totp_enabled;
  $("#mfa-setup").hidden = true;
  $("#passkeys-mfa-note").hidden = !account.totp_enabled;
}

async function openAccount() {
  showError($("#account-error"), null);
  show("account");
  showPasskeys();
  try {
    renderAccount(await api.getAccount());
  } catch (err) {
    showError($("#account-error"), err);
  }
}

/** Draw `text` as a QR code on `canvas` (module colours from the page, 4-module margin). */
function drawQr(canvas, text) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const count = qr.getModuleCount();
  const scale = 6;
  const margin = 4;
  canvas.width = canvas.height = (count + 2 * margin) * scale;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000";
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (qr.isDark(row, col)) ctx.fillRect((col + margin) * scale, (row + margin) * scale, scale, scale);
    }
  }
}

/**
 * Ask for the fresh proof of identity a sensitive change needs (docs/auth.md): the password,
 * plus the authenticator's code while two-step verification is on.
 * @returns {Promise<{password: string, code?: string}>} the proof.
 * @throws {Error} when the dialog is cancelled or left empty (nothing was changed).
 */
function askForProof({ text, confirm, danger = false }) {
  const dialog = $("#proof-dialog");
  const needsCode = Boolean(shownAccount?.totp_enabled);
  $("#proof-dialog-text").textContent = text;
  $("#proof-confirm").textContent = confirm;
  $("#proof-confirm").className = `btn ${danger ? "btn-danger" : "btn-primary"}`;
  $("#proof-code-field").hidden = !needsCode;
  $("form", dialog).reset();
  dialog.returnValue = "";
  return new Promise((resolve, reject) => {
    dialog.addEventListener(
      "close",
      () => {
        const password = $("#proof-password").value;
        const code = $("#proof-code").value.trim();
        if (dialog.returnValue !== "confirm") reject(new Error("Cancelled; nothing was changed."));
        else if (!password || (needsCode && !code)) {
          reject(new Error(`Enter your password${needsCode ? " and the code" : ""}; nothing was changed.`));
        } else resolve(needsCode ? { password, code } : { password });
      },
      { once: true },
    );
    dialog.showModal();
    $("#proof-password").focus();
  });
}

onSubmit($("#email-form"), async ({ email }) => {
  const proof = await askForProof({ text: `Change your sign-in email to ${email.trim()}?`, confirm: "Send a code" });
  const sent = await api.changeEmail({ email: email.trim(), ...proof });
  $("#email-verify-form").hidden = false;
  $("#email-verify-code").focus();
  toast(`We sent a code to ${sent.code_delivery?.destination || "the new address"}.`);
});

onSubmit($("#email-verify-form"), async ({ code }, form) => {
  renderAccount(await api.verifyEmail({ code: code.trim() }));
  form.reset();
  form.hidden = true;
  $("#email-form").reset();
  toast("Your email is changed.");
});

onSubmit($("#password-form"), async (values, form) => {
  await api.changePassword(values);
  form.reset();
  toast("Your password is changed.");
});

onSubmit($("#profile-form"), async ({ name }) => {
  renderAccount(await api.updateAccount({ name: name.trim() }));
  toast("Saved.");
});

onClick($("#mfa-start"), $("#account-error"), async () => {
  const setup = await api.setUpMfa();
  drawQr($("#mfa-qr"), setup.otpauth_uri);
  $("#mfa-secret").textContent = setup.secret_code;
  $("#mfa-setup").hidden = false;
  $("#mfa-code").focus();
});

onSubmit($("#mfa-form"), async ({ code }, form) => {
  const { password } = await askForProof({ text: "Turn on two-step verification?", confirm: "Turn on" });
  await api.verifyMfa({ code: code.trim(), password });
  form.reset();
  renderAccount(await api.getAccount());
  toast("Two-step verification is on.");
});

onClick($("#mfa-off"), $("#account-error"), async () => {
  const proof = await askForProof({ text: "Turn off two-step verification?", confirm: "Turn off", danger: true });
  await api.disableMfa(proof);
  renderAccount(await api.getAccount());
});

onClick($("#account-delete"), $("#account-error"), async () => {
  const proof = await askForProof({
    text: "Your account and every photo in it will be deleted. This cannot be undone.",
    confirm: "Delete account",
    danger: true,
  });
  await api.deleteAccount(proof);
  resetGrid();
  show("sign-in");
  toast("Your account and its photos were deleted.");
});

/**
 * Wire the account page.
 * @param {{show: (view: string) => void, resetGrid: () => void}} app - app.js's view switch,
 *   and its photo-grid reset (after the account is deleted).
 */
export function initAccount(app) {
  ({ show, resetGrid } = app);
  $("#go-account").addEventListener("click", openAccount);
  initPasskeys({ askForProof });
}
