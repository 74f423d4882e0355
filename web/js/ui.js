// The app's small DOM helpers, shared by its view modules (app.js, account.js, passkeys.js).

/** The first element matching `selector` under `root`. */
export const $ = (selector, root = document) => root.querySelector(selector);

let toastTimer = null;
export function toast(message) {
  const el = $("#toast");
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

export function showError(el, err) {
  el.textContent = err ? err.description || err.message || String(err) : "";
  el.hidden = !err;
}

/**
 * Wire a form: on submit, clear its error, disable its button, run `action(values)`, and show
 * any failure's error_description in the form's own alert.
 */
export function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const errorEl = $(".form-error", form);
    const button = $("button[type=submit]", form);
    showError(errorEl, null);
    const invalid = [...form.elements].find((el) => el.willValidate && !el.checkValidity());
    if (invalid) {
      invalid.focus();
      showError(errorEl, new Error(`${labelOf(invalid)}: ${invalid.validationMessage}`));
      return;
    }
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      await action(Object.fromEntries(new FormData(form)), form);
    } catch (err) {
      showError(errorEl, err);
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
}

/**
 * Wire a button: on click, clear `errorEl`, disable the button while `action()` runs, and
 * show any failure's error_description in `errorEl` (the button form of `onSubmit`).
 */
export function onClick(button, errorEl, action) {
  button.addEventListener("click", async () => {
    showError(errorEl, null);
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      showError(errorEl, err);
    } finally {
      button.disabled = false;
    }
  });
}

function labelOf(input) {
  return input.labels?.[0]?.firstChild?.textContent.trim() || input.name;
}
