import { setCsrfToken } from "./api.js";

/**
 * Where to go after signing in: a page path from `?next=`, else the role's home (operators the
 * attendant console, admins the admin pages).
 */
function nextPath(role: "admin" | "operator"): string {
  const next = new URLSearchParams(location.search).get("next") ?? "";
  // Only the hub's own page paths: `?next=//evil.example` must not become an open redirect.
  if (/^\/(admin|console)(\/[a-z-]*)?$/.test(next)) return next;
  return role === "operator" ? "/console" : "/admin";
}

const form = document.getElementById("login-form") as HTMLFormElement;
const error = document.getElementById("login-error") as HTMLElement;
const submit = document.getElementById("login-submit") as HTMLButtonElement;
const username = document.getElementById("username") as HTMLInputElement;
const password = document.getElementById("password") as HTMLInputElement;

function showError(text: string): void {
  error.textContent = text;
  error.hidden = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  if (!username.value.trim() || !password.value) {
    showError("Enter your user name and password.");
    (username.value.trim() ? password : username).focus();
    return;
  }
  submit.disabled = true;
  try {
    const res = await fetch("/api/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ username: username.value.trim(), password: password.value }),
      credentials: "same-origin",
    });
    if (res.ok) {
      const body = (await res.json()) as { csrfToken: string; role: "admin" | "operator" };
      setCsrfToken(body.csrfToken);
      location.assign(nextPath(body.role));
      return;
    }
    password.value = "";
    if (res.status === 429) {
      const wait = Number(res.headers.get("retry-after") ?? "60");
      showError(`Too many failed sign-ins. Try again in ${wait} seconds.`);
    } else if (res.status === 401) {
      showError("Wrong user name or password.");
    } else {
      showError(`Sign-in failed (${res.status}). Try again.`);
    }
    password.focus();
  } catch {
    showError("The hub cannot be reached. Check the connection and try again.");
  } finally {
    submit.disabled = false;
  }
});
