import { api, loadSession, messageOf, toLogin, type Session } from "./api.js";
import { appRoot, h, replace } from "./dom.js";
import { LiveFeed } from "./live.js";

/** What a page's module gets once the session is known. */
export interface PageContext {
  readonly session: Session;
  readonly isAdmin: boolean;
  readonly app: HTMLElement;
  readonly live: LiveFeed;
}

/** Wires the header's logout button. */
export function wireLogout(): void {
  const button = document.getElementById("logout");
  button?.addEventListener("click", async () => {
    try {
      await api("DELETE", "/api/v1/session");
    } catch {
      /* already signed out: go to the login page anyway */
    }
    location.assign("/admin/login");
  });
}

/**
 * Starts a page: checks the session (to the login page without one), wires logout, opens the
 * live feed and runs the page's render function. A failure shows as an alert in the page.
 */
export async function startPage(render: (ctx: PageContext) => Promise<void>, options: { live?: boolean } = {}): Promise<void> {
  wireLogout();
  const app = appRoot();
  try {
    const session = await loadSession();
    if (!session) return toLogin();
    const live = new LiveFeed();
    if (options.live !== false) live.start();
    await render({ session, isAdmin: session.role === "admin", app, live });
    app.removeAttribute("aria-busy");
  } catch (e) {
    app.removeAttribute("aria-busy");
    replace(app, h("p", { class: "notice error", role: "alert" }, `This page could not be loaded: ${messageOf(e)}`));
  }
}

/** A section with a heading and optional toolbar buttons. */
export function section(title: string, options: { id?: string; tools?: Node[]; intro?: string } = {}, ...content: Node[]): HTMLElement {
  const headingId = `${options.id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-heading`;
  return h(
    "section",
    { class: "card", id: options.id, "aria-labelledby": headingId },
    h("div", { class: "card-head" }, h("h2", { id: headingId }, title), options.tools ? h("div", { class: "tools" }, options.tools) : null),
    options.intro ? h("p", { class: "help" }, options.intro) : null,
    content,
  );
}

/** A Reload button (the reference's; the page also updates live). */
export function reloadButton(reload: () => void | Promise<void>, label = "Reload"): HTMLButtonElement {
  return h("button", { type: "button", class: "secondary", onclick: () => void reload() }, label);
}
