import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { ADMIN_PREFIX, CONSOLE_PREFIX } from "../security-headers.js";
import type { StaticAssets } from "../static-assets.js";
import { ADMIN_PAGES, homePage } from "./admin-pages.js";
import { renderLogin, renderPage } from "./page-shell.js";
import { html, PAGE_AUTH, toLogin, viewerOf } from "./page-session.js";

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
    options: { auth: PAGE_AUTH, description: "The login page of the admin pages and the attendant console." },
    handler: (request, h) => {
      const viewer = viewerOf(request);
      // Signed in already: where signing in would have led (operators to the console).
      if (viewer) return h.redirect(viewer.role === "operator" ? CONSOLE_PREFIX : `${ADMIN_PREFIX}/${homePage(viewer.role).id}`).code(303);
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
