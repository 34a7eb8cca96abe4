import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Request, ResponseToolkit, Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import type { Store } from "../contracts/store.js";
import type { AccountService } from "../security/account-service.js";
import { LoginThrottle } from "../security/login-throttle.js";
import { refuseOutOfScope, scopesOf } from "./route-scope.js";

/** Name of the session cookie. */
export const SESSION_COOKIE = "ph_session";
/** Header browser code sends with every state-changing request of a cookie session. */
export const CSRF_HEADER = "x-csrf-token";
/** A session lasts at most this long; then the user logs in again. */
export const SESSION_MAX_AGE_MS = 12 * 3600_000;

interface SessionCookie {
  readonly u: string;
  readonly r: "admin" | "operator";
  /** CSRF token bound to this session. */
  readonly c: string;
  /** Issued at (epoch ms). */
  readonly t: number;
}

export interface SessionOptions {
  /** Key for the iron-sealed cookie (≥ 32 characters). */
  readonly password: string;
  /** Mark the cookie Secure (set when serving HTTPS). */
  readonly secure: boolean;
  readonly now: () => number;
}

/**
 * Browser sessions: `POST /api/v1/session` logs in (scrypt-checked, throttled) and sets an
 * encrypted, HttpOnly, SameSite=Strict cookie; `GET` returns who is logged in and the CSRF
 * token; `DELETE` logs out. Cookie-authenticated requests that change state must carry the
 * session's token in `X-CSRF-Token` (Bearer-token clients are not browsers and need none).
 */
export function registerSessionAuth(server: Server, accounts: AccountService, store: Store, options: SessionOptions): void {
  const throttle = new LoginThrottle(options.now);
  server.state(SESSION_COOKIE, {
    ttl: SESSION_MAX_AGE_MS,
    isSecure: options.secure,
    isHttpOnly: true,
    isSameSite: "Strict",
    path: "/",
    encoding: "iron",
    password: options.password,
    clearInvalid: true,
    // A cookie that does not decrypt (forged, or from before a key change) is ignored, so the
    // request is simply unauthenticated (401) rather than malformed (400).
    ignoreErrors: true,
    strictHeader: true,
  });

  server.auth.scheme("presence-hub-session", () => ({
    async authenticate(request: Request, h: ResponseToolkit) {
      const session = request.state[SESSION_COOKIE] as SessionCookie | undefined;
      if (!session || typeof session.u !== "string") throw Boom.unauthorized(null, "Session");
      if (options.now() - session.t > SESSION_MAX_AGE_MS) throw Boom.unauthorized("session expired", "Session");
      const account = await store.accounts.get(session.u);
      if (!account || account.role !== session.r) throw Boom.unauthorized("session no longer valid", "Session");
      const principal = { kind: "account" as const, name: account.username, role: account.role };
      const scope = scopesOf(principal);
      refuseOutOfScope(request, scope);
      return h.authenticated({ credentials: { principal, scope, csrf: session.c } as never });
    },
  }));
  server.auth.strategy("session", "presence-hub-session");

  server.ext("onPostAuth", (request, h) => {
    if (request.auth.strategy !== "session" || ["get", "head", "options"].includes(request.method)) return h.continue;
    const expected = (request.auth.credentials as { csrf?: string }).csrf ?? "";
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== "string" || sent.length !== expected.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) {
      throw Boom.forbidden(`missing or wrong ${CSRF_HEADER} header`);
    }
    return h.continue;
  });

  server.route({
    method: "POST",
    path: "/api/v1/session",
    options: { auth: false, description: "Log in: { username, password } → session cookie and CSRF token.", payload: { allow: "application/json", maxBytes: 4096 } },
    handler: async (request, h) => {
      const body = request.payload as { username?: unknown; password?: unknown } | null;
      if (!body || typeof body.username !== "string" || typeof body.password !== "string") throw Boom.badRequest("send { username, password }");
      const keys = [`ip:${request.info.remoteAddress}`, `user:${request.info.remoteAddress}|${body.username.toLowerCase()}`];
      const wait = throttle.retryAfter(keys);
      if (wait > 0) {
        return h.response({ statusCode: 429, error: "Too Many Requests", message: "too many failed logins; try again later" }).code(429).header("retry-after", String(Math.ceil(wait / 1000)));
      }
      const principal = await accounts.login(body.username, body.password);
      if (!principal) {
        throttle.failure(keys);
        throw Boom.unauthorized("wrong user name or password");
      }
      throttle.success(keys);
      const csrf = randomBytes(24).toString("base64url");
      const cookie: SessionCookie = { u: principal.name, r: principal.role, c: csrf, t: options.now() };
      return h.response({ username: principal.name, role: principal.role, csrfToken: csrf }).state(SESSION_COOKIE, cookie);
    },
  });
  server.route({
    method: "GET",
    path: "/api/v1/session",
    options: { auth: { strategies: ["session"] }, description: "Who is logged in, and the session's CSRF token." },
    handler: (request) => {
      const c = request.auth.credentials as unknown as { principal: { name: string; role: string }; csrf: string };
      return { username: c.principal.name, role: c.principal.role, csrfToken: c.csrf };
    },
  });
  server.route({
    method: "DELETE",
    path: "/api/v1/session",
    options: { auth: { strategies: ["session"] }, description: "Log out." },
    handler: (_request, h) => h.response().code(204).unstate(SESSION_COOKIE),
  });
}
