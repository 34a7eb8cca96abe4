import Hapi, { type Request, type ResponseToolkit, type Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import type { Logger } from "../contracts/logger.js";
import { ConfigError } from "../errors/config-error.js";
import { ConflictError } from "../errors/conflict-error.js";
import { NotFoundError } from "../errors/not-found-error.js";
import type { AccountService, Principal } from "../security/account-service.js";
import type { Store } from "../contracts/store.js";
import { registerSessionAuth, type SessionOptions } from "./session-auth.js";

/** Scopes a principal gets: admins can do what operators can. */
export function scopesOf(principal: Principal): string[] {
  return principal.role === "admin" ? ["admin", "operator"] : ["operator"];
}

/**
 * The one hapi server of the hub, on which the core and plugins register routes under
 * `/api/v1` and pages. Authentication is on by default for every route: a Bearer token (or
 * `?token=`) for programs, or the browser session cookie (with CSRF protection); scopes
 * `admin`/`operator`; a route opts out with `auth: false`. Errors the core
 * defines map to status codes: ConfigError → 400 (with every issue), NotFoundError → 404,
 * ConflictError → 409; anything else is a 500 that leaks nothing.
 */
export function createHttpServer(options: { port: number; host: string }, accounts: AccountService, store: Store, session: SessionOptions, logger: Logger): Server {
  const server = Hapi.server({
    port: options.port,
    host: options.host,
    routes: {
      security: { hsts: false, xframe: "deny", noSniff: true, referrer: "no-referrer" },
      payload: { maxBytes: 1024 * 1024 },
      // A ConfigError from a schema validator becomes a 400 listing every issue (see onPreResponse).
      validate: { failAction: async (_req, _h, err) => { throw err instanceof ConfigError ? err : Boom.badRequest((err as Error).message); } },
    },
    router: { stripTrailingSlash: true },
  });

  server.auth.scheme("presence-hub-token", () => ({
    async authenticate(request: Request, h: ResponseToolkit) {
      const header = request.headers.authorization;
      let token: string | undefined;
      if (header) {
        const m = /^Bearer\s+(\S+)$/i.exec(String(header));
        if (!m) throw Boom.unauthorized("use Authorization: Bearer <token>", "Bearer");
        token = m[1];
      } else if (typeof request.query.token === "string") {
        token = request.query.token;
      }
      if (!token) throw Boom.unauthorized(null, "Bearer");
      const principal = await accounts.authenticateToken(token);
      if (!principal) throw Boom.unauthorized("invalid or revoked token", "Bearer");
      return h.authenticated({ credentials: { principal, scope: scopesOf(principal) } as never });
    },
  }));
  server.auth.strategy("token", "presence-hub-token");
  registerSessionAuth(server, accounts, store, session);
  server.auth.default({ strategies: ["token", "session"], access: { scope: ["admin", "operator"] } });
  // `?token=` is authentication, not a parameter of the route: routes' query schemas never see it.
  server.ext("onPostAuth", (request, h) => {
    if (request.auth.strategy === "token" && typeof request.query.token === "string") delete (request.query as Record<string, unknown>).token;
    return h.continue;
  });

  server.ext("onPreResponse", (request, h) => {
    const response = request.response;
    if (!(response instanceof Error)) return h.continue;
    if (Boom.isBoom(response) && !(response instanceof ConfigError || response instanceof NotFoundError || response instanceof ConflictError)) {
      if (response.output.statusCode >= 500) logger.error({ err: response, path: request.path }, "request failed");
      return h.continue;
    }
    const e = response as unknown as Error;
    if (e instanceof ConfigError) return h.response({ statusCode: 400, error: "Bad Request", message: e.message, issues: e.issues }).code(400);
    if (e instanceof NotFoundError) return h.response({ statusCode: 404, error: "Not Found", message: e.message }).code(404);
    if (e instanceof ConflictError) return h.response({ statusCode: 409, error: "Conflict", message: e.message, field: e.field }).code(409);
    return h.continue;
  });

  return server;
}
