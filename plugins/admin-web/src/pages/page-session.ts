import type { Request, ResponseToolkit } from "@hapi/hapi";
import { ADMIN_PREFIX } from "../security-headers.js";

/** The signed-in browser user of a page request. */
export interface SessionViewer {
  readonly name: string;
  readonly role: "admin" | "operator";
}

/** The signed-in browser user of a page request, if any (pages accept the session cookie only). */
export function viewerOf(request: Request): SessionViewer | null {
  if (!request.auth.isAuthenticated) return null;
  const p = (request.auth.credentials as unknown as { principal?: { name?: string; role?: string } }).principal;
  if (!p?.name || (p.role !== "admin" && p.role !== "operator")) return null;
  return { name: p.name, role: p.role };
}

/** Pages try the session: without one they send the browser to the login page (and back after). */
export const PAGE_AUTH = { mode: "try" as const, strategies: ["session"] };

/** An HTML page answer; never cached, since it names who is signed in. */
export function html(h: ResponseToolkit, body: string, code = 200) {
  return h.response(body).code(code).type("text/html; charset=utf-8").header("cache-control", "no-store");
}

/** A redirect to the login page that comes back to the requested page afterwards. */
export function toLogin(h: ResponseToolkit, request: Request) {
  return h.redirect(`${ADMIN_PREFIX}/login?next=${encodeURIComponent(request.path)}`).code(303).header("cache-control", "no-store");
}
