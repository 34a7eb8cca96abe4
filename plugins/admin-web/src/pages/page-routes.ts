import type { Request, ResponseToolkit, Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { ADMIN_PREFIX } from "../security-headers.js";
import type { StaticAssets } from "../static-assets.js";
import { ADMIN_PAGES, homePage } from "./admin-pages.js";
import { renderLogin, renderPage } from "./page-shell.js";

interface SessionViewer {
  readonly name: string;
  readonly role: "admin" | "operator";
}

/** The signed-in browser user of a page request, if any (pages accept the session cookie only). */
function viewerOf(request: Request): SessionViewer | null {
  if (!request.auth.isAuthenticated) return null;
  const p = (request.auth.credentials as unknown as { principal?: { name?: string; role?: string } }).principal;
  if (!p?.name || (p.role !== "admin" && p.role !== "operator")) return null;
  return { name: p.name, role: p.role };
}

/** Pages try the session: without one they send the browser to the login page (and back after). */
const PAGE_AUTH = { mode: "try" as const, strategies: ["session"] };

function html(h: ResponseToolkit, body: string, code = 200) {
  return h.response(body).code(code).type("text/html; charset=utf-8").header("cache-control", "no-store");
}

function toLogin(h: ResponseToolkit, request: Request) {
  return h.redirect(`${ADMIN_PREFIX}/login?next=${encodeURIComponent(request.path)}`).code(303).header("cache-control", "no-store");
}

/**
 * The admin pages (`/admin/<page>`, `/admin/login`, `/admin` → the role's first page) and their
 * static assets (`/admin/assets/<file>`). Pages need a browser session: without one they
 * redirect to the login page; an operator asking for an admin page gets a 403 page. Assets are
 * public (code and styles, no data), so the login page can load them.
 */
export function registerPageRoutes(server: Server, assets: StaticAssets): void {
  server.route({
    method: "GET",
    path: ADMIN_PREFIX,
    options: { auth: PAGE_AUTH, description: "The admin UI: the signed-in role's first page, or the login page." },
    handler: (request, h) => {
      const viewer = viewerOf(request);
      if (!viewer) return toLogin(h, request);
      return h.redirect(`${ADMIN_PREFIX}/${homePage(viewer.role).id}`).code(303);
    },
  });
  server.route({
    method: "GET",
    path: `${ADMIN_PREFIX}/login`,
    options: { auth: PAGE_AUTH, description: "The admin login page." },
    handler: (request, h) => {
      const viewer = viewerOf(request);
      if (viewer) return h.redirect(`${ADMIN_PREFIX}/${homePage(viewer.role).id}`).code(303);
      return html(h, renderLogin());
    },
  });
  for (const page of ADMIN_PAGES) {
    server.route({
      method: "GET",
      path: `${ADMIN_PREFIX}/${page.id}`,
      options: { auth: PAGE_AUTH, description: `Admin page: ${page.title}.` },
      handler: (request, h) => {
        const viewer = viewerOf(request);
        if (!viewer) return toLogin(h, request);
        if (viewer.role !== "admin" && !page.operators) return html(h, renderPage(page, viewer, { forbidden: true }), 403);
        return html(h, renderPage(page, viewer));
      },
    });
  }
  server.route({
    method: "GET",
    path: `${ADMIN_PREFIX}/assets/{file}`,
    options: { auth: false, description: "Static files of the admin UI (browser modules, stylesheet)." },
    handler: (request, h) => {
      const asset = assets.get(String(request.params.file));
      if (!asset) throw Boom.notFound("no such asset");
      // Revalidated on every load (cheap, 304), so a hub upgrade never leaves a stale module.
      return h.response(asset.body).type(asset.contentType).etag(asset.etag).header("cache-control", "no-cache");
    },
  });
}
