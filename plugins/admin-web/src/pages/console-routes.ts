import type { Server } from "@hapi/hapi";
import { CONSOLE_PREFIX } from "../security-headers.js";
import { renderConsole } from "./console-shell.js";
import { html, PAGE_AUTH, toLogin, viewerOf } from "./page-session.js";

/**
 * The attendant console at `/console` (operators and admins; without a session, the login page
 * and back), and `/` leading there: the console is what most people who open the hub want.
 * Admins reach their pages at `/admin`, linked from the console's header.
 */
export function registerConsoleRoutes(server: Server): void {
  server.route({
    method: "GET",
    path: "/",
    options: { auth: false, description: "The hub's front door: leads to the attendant console." },
    handler: (_request, h) => h.redirect(CONSOLE_PREFIX).code(303).header("cache-control", "no-store"),
  });
  server.route({
    method: "GET",
    path: CONSOLE_PREFIX,
    options: { auth: PAGE_AUTH, description: "The attendant console: search, personal contacts, live presence, notes." },
    handler: (request, h) => {
      const viewer = viewerOf(request);
      if (!viewer) return toLogin(h, request);
      return html(h, renderConsole(viewer));
    },
  });
}
