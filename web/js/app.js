// Moments: the single-page app. Plain ES modules, no build step.
//
// Views: sign-in, sign-up, confirm, forgot (+ reset), photos; the account page is account.js,
// passkeys are passkeys.js. On load the app finishes a hosted-UI redirect if the URL carries
// one, otherwise it restores the session from the refresh-token cookie when api.js's session
// hint says there is one (no request, and so no 400 in the console, for a signed-out
// visitor); then it shows the photos or the sign-in view.

import * as api from "./api.js";
import { initAccount } from "./account.js";
import { signInWithPasskey } from "./passkeys.js";
import { logoutUrl, startAuthorization, takeAuthorizationResponse } from "./pkce.js";
import { $, onClick, onSubmit, showError, toast } from "./ui.js";
import { uploadPhoto } from "./upload.js";

const PAGE_SIZE = 24;
const HOSTED_UI_FLAG = "moments.hosted_ui"; // "the session came from the hosted UI" (no token)

const views = ["loading", "sign-in", "challenge", "sign-up", "confirm", "forgot", "photos", "account"];

// ---------------------------------------------------------------- view plumbing

function show(name, { focus = true } = {}) {
  $("#toast").hidden = true; // a message belongs to the screen it was shown on
  for (const view of views) $(`#view-${view}`).hidden = view !== name;
  if (focus) $(`#view-${name} h1`)?.focus();
  if (name === "photos") startGrid();
  else stopGrid();
}

// ---------------------------------------------------------------- auth flows

function goToConfirm(email, message) {
  $("#confirm-email").value = email || "";
  $("#confirm-code").value = "";
  $("#confirm-lead").textContent = message || "Enter the code we sent you.";
  show("confirm");
  $(email ? "#confirm-code" : "#confirm-email").focus();
}

// A sign-in that needs a second step: a TOTP code (SOFTWARE_TOKEN_MFA) or the emailed code
// (EMAIL_OTP). The session lives a few minutes (the app client's AuthSessionValidity).
let pendingChallenge = null;
function goToChallenge(email, { challenge, session }) {
  pendingChallenge = { email, challenge, session };
  const totp = challenge === "SOFTWARE_TOKEN_MFA";
  $("#challenge-title").textContent = totp ? "Two-step verification" : "Check your email";
  $("#challenge-lead").textContent = totp
    ? "Enter the 6-digit code from your authenticator app."
    : "Enter the 8-digit code we emailed you.";
  $("#challenge-code").value = "";
  $("#challenge-code").maxLength = totp ? 6 : 8;
  $("#sign-in-form").reset();
  show("challenge");
  $("#challenge-code").focus();
}

/** After a sign-in step: the next challenge's view, or the photos once signed in. */
function signedInOrNext(email, result) {
  if (result?.challenge) {
    goToChallenge(email, result);
    return;
  }
  pendingChallenge = null;
  sessionStorage.removeItem(HOSTED_UI_FLAG);
  $("#sign-in-form").reset();
  show("photos");
}

onSubmit($("#challenge-form"), async ({ code }, form) => {
  if (!pendingChallenge) {
    show("sign-in");
    return;
  }
  const result = await api.answerChallenge({ ...pendingChallenge, answer: code.trim() });
  form.reset();
  signedInOrNext(pendingChallenge.email, result);
});

/** The sign-in form's email for the buttons beside the form, or null once its alert says why not. */
function signInEmail() {
  const input = $("#sign-in-email");
  const errorEl = $("#sign-in-form .form-error");
  showError(errorEl, null);
  if (input.value.trim() && input.checkValidity()) return input.value.trim().toLowerCase();
  input.focus();
  showError(errorEl, new Error("Email: enter your email address first."));
  return null;
}

/** Run a sign-in button's `action(email)` with the button disabled; its failure goes to the form's alert. */
function onSignInButton(button, action) {
  onClick(button, $("#sign-in-form .form-error"), async () => {
    const email = signInEmail();
    if (email) await action(email);
  });
}

onSignInButton($("#email-code"), async (email) => goToChallenge(email, await api.emailCode({ email })));
onSignInButton($("#passkey-sign-in"), async (email) => {
  const result = await signInWithPasskey(email);
  signedInOrNext(email, result);
  if (!result?.challenge) toast("Signed in with your passkey.");
});

onSubmit($("#sign-in-form"), async ({ email, password }) => {
  try {
    signedInOrNext(email.trim().toLowerCase(), await api.signIn({ email: email.trim(), password }));
  } catch (err) {
    if (err.error !== "user_not_confirmed") throw err;
    goToConfirm(email.trim(), "Your account isn't confirmed yet. Enter the code we emailed you.");
  }
});

onSubmit($("#sign-up-form"), async ({ email, password, name }, form) => {
  const result = await api.signUp({ email: email.trim(), password, name: name.trim() });
  $("#sign-in-email").value = email.trim();
  form.reset();
  // The answer is the same whether or not the email already has an account (no account
  // oracle), so the next step is always the code.
  const where = result.code_delivery?.destination;
  goToConfirm(email.trim(), where ? `We sent a code to ${where}. Enter it below.` : undefined);
});

onSubmit($("#confirm-form"), async ({ email, code }) => {
  await api.confirmSignUp({ email: email.trim(), code: code.trim() });
  $("#sign-in-email").value = email.trim();
  show("sign-in", { focus: false });
  toast("Your account is confirmed. Sign in.");
  $("#sign-in-password").focus();
});

onClick($("#resend-code"), $("#confirm-form .form-error"), async () => {
  const email = $("#confirm-email").value.trim();
  if (!email) {
    $("#confirm-email").focus();
    throw new Error("Enter your email first.");
  }
  const result = await api.resendCode({ email });
  toast(`A new code is on its way${result?.code_delivery?.destination ? ` to ${result.code_delivery.destination}` : ""}.`);
});

let resetEmail = "";
onSubmit($("#forgot-form"), async ({ email }) => {
  resetEmail = email.trim();
  await api.forgotPassword({ email: resetEmail });
  $("#reset-form").hidden = false;
  toast("If that address has an account, a code is on its way.");
  $("#reset-code").focus();
});

onSubmit($("#reset-form"), async ({ code, password }, form) => {
  await api.resetPassword({ email: resetEmail, code: code.trim(), password });
  form.reset();
  form.hidden = true;
  $("#sign-in-email").value = resetEmail;
  show("sign-in", { focus: false });
  toast("Your password is reset. Sign in with the new one.");
  $("#sign-in-password").focus();
});

$("#hosted-ui").addEventListener("click", async (event) => {
  const errorEl = $("#hosted-ui-error");
  showError(errorEl, null);
  event.currentTarget.disabled = true;
  try {
    await startAuthorization(await api.authConfig());
  } catch (err) {
    showError(errorEl, err);
    event.currentTarget.disabled = false;
  }
});

let signingOut = false;
$("#sign-out").addEventListener("click", async () => {
  signingOut = true;
  const viaHostedUi = sessionStorage.getItem(HOSTED_UI_FLAG) === "1";
  sessionStorage.removeItem(HOSTED_UI_FLAG);
  try {
    await api.signOut();
  } catch {
    // Signed out locally either way; the refresh token expires on its own.
  } finally {
    signingOut = false;
  }
  resetGrid();
  if (viaHostedUi) {
    // End the hosted UI's own session too, or "Continue with hosted UI" would sign the
    // same user straight back in. Cognito's /logout redirects to a registered logout URL.
    const url = logoutUrl(await api.authConfig().catch(() => ({})));
    if (url) {
      location.assign(url);
      return;
    }
  }
  show("sign-in");
  toast("You are signed out.");
});

for (const button of document.querySelectorAll("[data-go]")) {
  button.addEventListener("click", () => {
    const target = button.dataset.go;
    if (target === "confirm") goToConfirm($("#sign-up-email").value.trim());
    else show(target);
  });
}

api.onSessionChange((claims) => {
  $("#session").hidden = !api.isSignedIn();
  $("#session-user").textContent = claims ? claims.name || claims.email || "" : "";
  if (!api.isSignedIn() && !signingOut && !$("#view-photos").hidden) {
    resetGrid();
    show("sign-in");
    toast("Your session has ended. Sign in again.");
  }
});

// ---------------------------------------------------------------- photo grid

const grid = $("#grid");
let nextCursor = null;
let loading = false;
let exhausted = false;
let observer = null;
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

// Why ProcessPhotoFunction rejected a file (the API's rejected_reason codes).
const REJECTED = {
  empty: "The file is empty.",
  size_mismatch: "The file is not the size that was announced.",
  not_an_image: "The file is not an image.",
  type_mismatch: "The file is not the kind of image its name says.",
  undecodable: "The image is damaged or incomplete.",
  decompression_bomb: "The image is too large to process (over 64 megapixels).",
};

function photoCard(photo) {
  const card = $("#photo-card").content.firstElementChild.cloneNode(true);
  card.dataset.photoId = photo.photo_id;
  const img = $("img", card);
  img.alt = photo.filename;
  const status = $(".photo-status", card);
  if (photo.status === "ready") {
    // The grid shows the ~400 px thumbnail; the display size opens on click.
    img.src = photo.thumbnail_url || photo.url;
    const open = $(".photo-open", card);
    open.href = photo.url;
    open.hidden = false;
  } else if (photo.status === "rejected") {
    card.classList.add("photo-rejected");
    status.textContent = REJECTED[photo.rejected_reason] || "The file could not be processed.";
  } else {
    card.classList.add("photo-pending");
    status.textContent = "Processing…";
    watchPending(photo.photo_id, card);
  }
  $(".photo-name", card).textContent = photo.filename;
  const time = $(".photo-date", card);
  time.dateTime = photo.created_at;
  time.textContent = dateFormat.format(new Date(photo.created_at));
  $(".photo-delete-name", card).textContent = ` ${photo.filename}`;
  $(".photo-delete", card).addEventListener("click", () => confirmDelete(photo, card));
  return card;
}

// A pending photo becomes ready (or rejected) when S3's event has been processed: poll
// GET /photos/{id} with exponential backoff (0.5 s doubling to 8 s, for up to ~5 min).
async function watchPending(photoId, card, delay = 500, waited = 0) {
  if (waited > 300_000) return;
  await new Promise((resolve) => setTimeout(resolve, delay));
  if (!card.isConnected || !api.isSignedIn()) return;
  try {
    const photo = await api.getPhoto(photoId);
    if (photo.status !== "pending") {
      card.replaceWith(photoCard(photo));
      return;
    }
  } catch (err) {
    if (err.status === 404) return; // deleted meanwhile
  }
  watchPending(photoId, card, Math.min(delay * 2, 8000), waited + delay);
}

function updateEmpty() {
  $("#empty").hidden = grid.children.length > 0 || !exhausted;
}

async function loadMore() {
  if (loading || exhausted || !api.isSignedIn()) return;
  loading = true;
  grid.setAttribute("aria-busy", "true");
  showError($("#grid-error"), null);
  try {
    const page = await api.listPhotos({ limit: PAGE_SIZE, cursor: nextCursor });
    for (const photo of page.items) {
      if (!grid.querySelector(`[data-photo-id="${CSS.escape(photo.photo_id)}"]`)) grid.append(photoCard(photo));
    }
    nextCursor = page.next_cursor || null;
    exhausted = !nextCursor;
  } catch (err) {
    if (api.isSignedIn()) showError($("#grid-error"), err);
  } finally {
    loading = false;
    grid.setAttribute("aria-busy", "false");
    $("#load-more").hidden = exhausted;
    updateEmpty();
  }
  // The sentinel may still be in view after a short page: keep filling the screen.
  if (!exhausted && observer && isSentinelVisible()) loadMore();
}

function isSentinelVisible() {
  const rect = $("#sentinel").getBoundingClientRect();
  return rect.top < window.innerHeight + 400;
}

function startGrid() {
  if (observer) return;
  observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadMore();
  }, { rootMargin: "400px" });
  observer.observe($("#sentinel"));
  loadMore();
}

function stopGrid() {
  observer?.disconnect();
  observer = null;
}

function resetGrid() {
  stopGrid();
  grid.replaceChildren();
  $("#uploads").replaceChildren();
  nextCursor = null;
  exhausted = false;
  $("#load-more").hidden = true;
  $("#empty").hidden = true;
}

$("#load-more").addEventListener("click", loadMore);

// ---------------------------------------------------------------- delete

const dialog = $("#delete-dialog");

function confirmDelete(photo, card) {
  $("#delete-dialog-text").textContent = `"${photo.filename}" will be removed for good.`;
  dialog.returnValue = "";
  dialog.addEventListener("close", async function onClose() {
    dialog.removeEventListener("close", onClose);
    if (dialog.returnValue !== "delete") {
      $(".photo-delete", card).focus();
      return;
    }
    card.classList.add("photo-deleting");
    try {
      await api.deletePhoto(photo.photo_id);
      const next = card.nextElementSibling || card.previousElementSibling;
      card.remove();
      toast(`Deleted ${photo.filename}.`);
      (next ? $(".photo-delete", next) : $("#upload-files")).focus();
      updateEmpty();
    } catch (err) {
      card.classList.remove("photo-deleting");
      showError($("#grid-error"), err);
    }
  });
  dialog.showModal();
}

// ---------------------------------------------------------------- upload

onSubmit($("#upload-form"), async (_values, form) => {
  const input = $("#upload-files");
  const files = [...input.files];
  if (files.length === 0) throw new Error("Choose one or more images first.");
  const list = $("#uploads");
  list.replaceChildren();
  const jobs = files.map((file) => {
    const row = $("#upload-row").content.firstElementChild.cloneNode(true);
    const bar = $("progress", row);
    const status = $(".upload-status", row);
    $(".upload-name", row).textContent = file.name;
    bar.setAttribute("aria-label", `Uploading ${file.name}`);
    list.append(row);
    return uploadPhoto(file, (fraction) => {
      bar.value = Math.round(fraction * 100);
      status.textContent = fraction < 1 ? `${bar.value}%` : "Processing…";
    }).then(
      (photo) => {
        bar.value = 100;
        status.textContent = "Uploaded";
        row.classList.add("upload-done");
        grid.prepend(photoCard(photo));
        updateEmpty();
        return true;
      },
      (err) => {
        status.textContent = err.description || err.message;
        row.classList.add("upload-failed");
        return false;
      },
    );
  });
  const results = await Promise.all(jobs);
  input.value = "";
  const failed = results.filter((ok) => !ok).length;
  if (failed) throw new Error(`${failed} of ${files.length} uploads failed; see the list for why.`);
  toast(files.length === 1 ? "Photo uploaded." : `${files.length} photos uploaded.`);
  form.reset();
});

// Dropping images anywhere on the photos view uploads them.
const photosView = $("#view-photos");
photosView.addEventListener("dragover", (event) => {
  if ([...event.dataTransfer.items].some((item) => item.kind === "file")) {
    event.preventDefault();
    photosView.classList.add("dropping");
  }
});
photosView.addEventListener("dragleave", () => photosView.classList.remove("dropping"));
photosView.addEventListener("drop", (event) => {
  event.preventDefault();
  photosView.classList.remove("dropping");
  $("#upload-files").files = event.dataTransfer.files;
  $("#upload-form").requestSubmit();
});

// ---------------------------------------------------------------- boot

async function boot() {
  const authResponse = takeAuthorizationResponse();
  if (authResponse?.error) {
    show("sign-in");
    showError($("#hosted-ui-error"), new Error(authResponse.error));
    return;
  }
  if (authResponse) {
    try {
      await api.exchangeCode(authResponse);
      sessionStorage.setItem(HOSTED_UI_FLAG, "1");
      show("photos");
    } catch (err) {
      show("sign-in");
      showError($("#hosted-ui-error"), err);
    }
    return;
  }
  show((await api.restoreSession()) ? "photos" : "sign-in", { focus: false });
}

initAccount({ show, resetGrid });
boot();
