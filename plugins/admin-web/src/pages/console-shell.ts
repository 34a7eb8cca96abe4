import { ADMIN_PAGES } from "./admin-pages.js";
import { escapeHtml, head, NOSCRIPT, sessionBox } from "./page-shell.js";
import type { SessionViewer } from "./page-session.js";

/**
 * The HTML of the attendant console: the same head, header and session box as the admin pages
 * (so login, logout and styles are shared), a link to the admin pages the viewer may open, and
 * an empty `#app` that `page-console.js` fills from the API and the live stream. As with the
 * admin pages, no user data is rendered here except the signed-in name (escaped).
 */
export function renderConsole(viewer: SessionViewer): string {
  // `/admin` leads admins to Configuration and operators to Diagnostics (read-only).
  const adminLink = viewer.role === "admin" ? "Admin pages" : (ADMIN_PAGES.find((p) => p.operators)?.title ?? "Admin pages");
  return [
    head("Attendant console", "page-console.js", ["console.css"]),
    `<body data-page="console" data-role="${viewer.role}" data-user="${escapeHtml(viewer.name)}">`,
    '<a class="skip-link" href="#main">Skip to content</a>',
    '<header class="top">',
    '<a class="brand" href="/console">presence-hub</a>',
    '<nav aria-label="Pages"><ul class="nav">',
    '<li class="nav-group"><span class="nav-group-name">Console</span><ul><li><a href="/console" aria-current="page">Attendant console</a></li></ul></li>',
    `<li class="nav-group"><span class="nav-group-name">Admin</span><ul><li><a href="/admin">${escapeHtml(adminLink)}</a></li></ul></li>`,
    "</ul></nav>",
    sessionBox(viewer),
    "</header>",
    '<main id="main" class="console-main" tabindex="-1">',
    '<h1 class="visually-hidden">Attendant console</h1>',
    NOSCRIPT,
    '<div id="app" aria-busy="true"><p class="muted">Loading…</p></div>',
    "</main>",
    "</body>",
    "</html>",
  ].join("\n");
}
