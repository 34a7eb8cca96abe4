import type { Request, ResponseToolkit, Server } from "@hapi/hapi";
import Boom from "@hapi/boom";

/** Where the admin pages and their assets live. */
export const ADMIN_PREFIX = "/admin";

/** Where the attendant console lives (the assets stay under {@link ADMIN_PREFIX}). */
export const CONSOLE_PREFIX = "/console";

/** Whether a request path is one of this plugin's pages: `/`, `/admin…` or `/console…`. */
export function isPagePath(path: string): boolean {
  if (path === "/") return true;
  return [ADMIN_PREFIX, CONSOLE_PREFIX].some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/**
 * The Content-Security-Policy of every page (admin and console) and asset. Scripts, styles and
 * connections only from the hub itself; no inline script or style anywhere (the pages are built
 * so they need none), no plugins, no framing, no `<base>` tricks, forms post only to the hub.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers set on every response of the pages ({@link isPagePath}), errors and redirects included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

/**
 * Adds {@link SECURITY_HEADERS} to every page response. Done in `onPreResponse` rather than per
 * route so a 404, a redirect or an error page under `/admin` or `/console` cannot go out
 * without them. (`connect-src 'self'` also covers the console's WebSocket to the same host.)
 */
export function registerSecurityHeaders(server: Server): void {
  server.ext("onPreResponse", (request: Request, h: ResponseToolkit) => {
    if (!isPagePath(request.path)) return h.continue;
    const response = request.response;
    if (Boom.isBoom(response)) Object.assign(response.output.headers, SECURITY_HEADERS);
    else for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.header(name, value);
    return h.continue;
  });
}
