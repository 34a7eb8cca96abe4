import Hapi, { type Request, type ResponseToolkit, type Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { readFileSync } from "node:fs";
import type { Duplex } from "node:stream";
import { createSecureContext } from "node:tls";
import type { Logger } from "../contracts/logger.js";
import { ConfigError } from "../errors/config-error.js";
import { ConflictError } from "../errors/conflict-error.js";
import { NotFoundError } from "../errors/not-found-error.js";
import type { AccountService } from "../security/account-service.js";
import type { Store } from "../contracts/store.js";
import { refuseOutOfScope, scopesOf } from "./route-scope.js";
import { registerSessionAuth, type SessionOptions } from "./session-auth.js";


/**
 * The one hapi server of the hub, on which the core and plugins register routes under
 * `/api/v1` and pages. Authentication is on by default for every route: a Bearer token (or
 * `?token=`) for programs, or the browser session cookie (with CSRF protection); scopes
 * `admin`/`operator`; a route opts out with `auth: false`. Errors the core
 * defines map to status codes: ConfigError → 400 (with every issue), NotFoundError → 404,
 * ConflictError → 409; anything else is a 500 that leaks nothing.
 */
export function createHttpServer(options: HttpServerOptions, accounts: AccountService, store: Store, session: SessionOptions, logger: Logger, observer: HttpObserver = {}): Server {
  const tls = options.tls ? readTlsFiles(options.tls) : undefined;
  const hstsMaxAge = options.tls?.hstsMaxAgeSeconds ?? 0;
  const server = Hapi.server({
    port: options.port,
    host: options.host,
    tls,
    routes: {
      // HSTS only over HTTPS: sent over plain HTTP it would be ignored, and it must never pin a
      // name to HTTPS that has no certificate.
      security: { hsts: tls && hstsMaxAge > 0 ? { maxAge: hstsMaxAge, includeSubDomains: false } : false, xframe: "deny", noSniff: true, referrer: "no-referrer" },
      payload: { maxBytes: 1024 * 1024 },
      // A ConfigError from a schema validator becomes a 400 listing every issue (see onPreResponse).
      validate: { failAction: async (_req, _h, err) => { throw err instanceof ConfigError ? err : Boom.badRequest((err as Error).message); } },
    },
    router: { stripTrailingSlash: true },
  });

  boundSlowClients(server.listener);

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
      const scope = scopesOf(principal);
      refuseOutOfScope(request, scope);
      return h.authenticated({ credentials: { principal, scope } as never });
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
      if (response.output.statusCode >= 500) logger.error({ err: response, req: request.info.id, path: request.path }, "request failed");
      return h.continue;
    }
    const e = response as unknown as Error;
    if (e instanceof ConfigError) return h.response({ statusCode: 400, error: "Bad Request", message: e.message, issues: e.issues }).code(400);
    if (e instanceof NotFoundError) return h.response({ statusCode: 404, error: "Not Found", message: e.message }).code(404);
    if (e instanceof ConflictError) return h.response({ statusCode: 409, error: "Conflict", message: e.message, field: e.field }).code(409);
    return h.continue;
  });

  // Every response names its request id, so a user's report can be matched to the log line.
  server.ext("onPreResponse", (request, h) => {
    const response = request.response;
    if (Boom.isBoom(response)) response.output.headers["x-request-id"] = request.info.id;
    else response.header("x-request-id", request.info.id);
    return h.continue;
  });

  server.events.on("response", (request) => {
    const response = request.response as { statusCode?: number; output?: { statusCode: number } } | null;
    const status = response?.statusCode ?? response?.output?.statusCode ?? 0;
    observer.onResponse?.(request.method.toUpperCase(), status);
    // The path only, never the query string: it may carry `?token=`.
    const line = {
      req: request.info.id,
      method: request.method.toUpperCase(),
      path: request.path,
      status,
      ms: Date.now() - request.info.received,
      remote: request.info.remoteAddress,
      user: (request.auth.credentials as { principal?: { name?: string } } | null)?.principal?.name,
    };
    if (QUIET_PATHS.has(request.path) && status < 400) logger.debug(line, "request");
    else logger.info(line, "request");
  });

  return server;
}

/**
 * Bounds for slow clients (found by the robustness suite). A slow-loris client sending its
 * headers a byte at a time held its socket until Node's defaults gave up: 60 s, checked every
 * 30 s, so up to 90 s; one trickling its body held it for Node's 5-minute request timeout
 * (hapi's payload timeout is reset by every byte). Headers now have 10 s and the whole request
 * 60 s (a 10 MiB CSV needs ~175 KB/s), checked every second. And a timed-out (or otherwise
 * broken) client is closed for good: hapi answers it 400 and only half-closes the socket, so a
 * client that keeps trickling and never closes its side held the socket forever. Set before
 * `listen`, when Node starts its checker.
 */
export function boundSlowClients(listener: { headersTimeout: number; requestTimeout: number; on(event: "clientError", handler: (err: Error, socket: Duplex) => void): unknown }): void {
  listener.headersTimeout = 10_000;
  listener.requestTimeout = 60_000;
  (listener as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = 1_000;
  // After hapi's own handler (registered first) has written its 400: a second to flush it, then gone.
  listener.on("clientError", (_err, socket) => void setTimeout(() => socket.destroy(), 1_000).unref());
}

/** Paths probed every few seconds (health checks, scrapes): logged at debug unless they fail. */
const QUIET_PATHS: ReadonlySet<string> = new Set(["/api/v1/health", "/api/v1/ready", "/metrics"]);

/** Where and how the server listens (the `http:` section, paths resolved). */
export interface HttpServerOptions {
  readonly port: number;
  readonly host: string;
  readonly tls?: { readonly cert: string; readonly key: string; readonly hstsMaxAgeSeconds?: number };
}

/** Told about every answered request (metrics). */
export interface HttpObserver {
  onResponse?(method: string, status: number): void;
}

/** Reads the certificate and key; an unreadable or mismatched pair is a configuration error naming the key. */
function readTlsFiles(tls: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  const read = (file: string, key: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new ConfigError("invalid configuration", [{ path: key, message: `cannot read ${file}: ${(e as Error).message}` }]);
    }
  };
  const pair = { cert: read(tls.cert, "http.tls.cert"), key: read(tls.key, "http.tls.key") };
  try {
    createSecureContext(pair);
  } catch (e) {
    throw new ConfigError("invalid configuration", [{ path: "http.tls", message: `certificate and key are not a usable pair: ${(e as Error).message}` }]);
  }
  return pair;
}
