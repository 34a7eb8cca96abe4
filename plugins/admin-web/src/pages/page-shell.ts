import { ADMIN_PAGES, type AdminPage } from "./admin-pages.js";

/** Text made safe for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The document head: title, icon, the stylesheets (the admin one first, which the console's
 * builds on) and the page's module. Everything from `/admin/assets`, nothing inline.
 */
export function head(title: string, module: string, extraStyles: readonly string[] = []): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)} · presence-hub</title>`,
    '<link rel="icon" href="/admin/assets/favicon.svg" type="image/svg+xml">',
    '<link rel="stylesheet" href="/admin/assets/admin.css">',
    ...extraStyles.map((s) => `<link rel="stylesheet" href="/admin/assets/${escapeHtml(s)}">`),
    `<script type="module" src="/admin/assets/${escapeHtml(module)}"></script>`,
    "</head>",
  ].join("\n");
}

/** Shown when scripts are off: the pages are built by their modules. */
export const NOSCRIPT = '<noscript><p class="notice error">These pages need JavaScript (served by the hub itself; nothing loads from elsewhere).</p></noscript>';

/** The console's entry in the navigation: every signed-in role may use it. */
const CONSOLE_NAV = '<li class="nav-group"><span class="nav-group-name">Console</span><ul><li><a href="/console">Attendant console</a></li></ul></li>';

/** The header's right-hand side: the live indicator, who is signed in, the logout button. */
export function sessionBox(viewer: { name: string; role: "admin" | "operator" }): string {
  return [
    '<div class="session">',
    '<span id="live" class="live" role="status" aria-live="polite"></span>',
    `<span class="who">Signed in as <strong>${escapeHtml(viewer.name)}</strong> (${viewer.role})</span>`,
    '<button type="button" id="logout" class="secondary">Log out</button>',
    "</div>",
  ].join("\n");
}

/**
 * The HTML of an admin page: head, skip link, navigation for the viewer's role, the page title
 * and an empty `#app` the page's module fills from the JSON API. No user data is rendered here
 * except the signed-in name (escaped), so nothing a user typed can reach this markup.
 */
export function renderPage(page: AdminPage, viewer: { name: string; role: "admin" | "operator" }, options: { forbidden?: boolean } = {}): string {
  const visible = ADMIN_PAGES.filter((p) => viewer.role === "admin" || p.operators);
  const groups = [...new Set(visible.map((p) => p.group))];
  const nav = groups
    .map((g) => {
      const links = visible
        .filter((p) => p.group === g)
        .map((p) => `<li><a href="/admin/${p.id}"${p.id === page.id ? ' aria-current="page"' : ""}>${escapeHtml(p.title)}</a></li>`)
        .join("");
      return `<li class="nav-group"><span class="nav-group-name">${escapeHtml(g)}</span><ul>${links}</ul></li>`;
    })
    .join("");
  const body = options.forbidden
    ? '<p class="notice error" role="alert">This page is for admins. Operators can open <a href="/admin/diagnostics">Diagnostics</a>.</p>'
    : '<div id="app" aria-busy="true"><p class="muted">Loading…</p></div>';
  return [
    head(`${page.title} · admin`, options.forbidden ? "page-shell.js" : `page-${page.id}.js`),
    `<body data-page="${escapeHtml(page.id)}" data-role="${viewer.role}">`,
    '<a class="skip-link" href="#main">Skip to content</a>',
    '<header class="top">',
    '<a class="brand" href="/admin">presence-hub</a>',
    `<nav aria-label="Pages"><ul class="nav">${CONSOLE_NAV}${nav}</ul></nav>`,
    sessionBox(viewer),
    "</header>",
    '<main id="main" tabindex="-1">',
    `<h1>${escapeHtml(page.title)}</h1>`,
    NOSCRIPT,
    body,
    "</main>",
    "</body>",
    "</html>",
  ].join("\n");
}

/**
 * The login page (admin pages and the attendant console): a plain form the login module submits
 * to `POST /api/v1/session`.
 */
export function renderLogin(): string {
  return [
    head("Sign in", "page-login.js"),
    '<body data-page="login">',
    '<main id="main" class="login-main">',
    '<h1>presence-hub</h1>',
    NOSCRIPT,
    // method=post: should the module fail to load, a native submit never puts the password in a URL.
    '<form id="login-form" class="card login-form" method="post" action="/admin/login" novalidate>',
    "<h2>Sign in</h2>",
    '<p id="login-error" class="field-error" role="alert" hidden></p>',
    '<div class="field"><label for="username">User name</label>',
    '<input id="username" name="username" autocomplete="username" required maxlength="64" autofocus></div>',
    '<div class="field"><label for="password">Password</label>',
    '<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></div>',
    '<button type="submit" id="login-submit">Sign in</button>',
    '<p class="help">Operators land on the attendant console, admins on the admin pages. Accounts are created with <code>presence-hub admin add NAME --password-stdin</code> or on the Accounts page.</p>',
    "</form>",
    "</main>",
    "</body>",
    "</html>",
  ].join("\n");
}
