import { once } from "node:events";
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inject, injectable } from "tsyringe";
import { ConfigError, SchemaValidator, Tokens, watchTargetId, type Connector, type ConnectorContext, type WatchTarget } from "@presence-hub/core";
import { PushBody, toObservations, type PushUpdate } from "./push-payload.js";
import type { PushSettings } from "./push-settings.js";

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How long a push waits for the store before the pusher is told to retry (503). */
const DURABLE_WAIT_MS = 10_000;

const bodyValidator = new SchemaValidator(PushBody, "invalid push");

/**
 * A presence source fed by another system over HTTP, and the worked example of the connector
 * contract for integrators (see docs/plugin-guide.md). It listens on its own address:
 *
 * - `POST /presence` with `Authorization: Bearer <token>` and a JSON update (or
 *   `{ "updates": [...] }`) → 202 `{ accepted, unwatched }` once the updates are stored (a crash
 *   after the 202 loses nothing); bad JSON or shape → 400 naming the field; wrong token → 401;
 *   a store that does not answer within 10 s → 503 with Retry-After.
 * - `GET /watched` → the targets the hub currently wants (push only those, if you can).
 *
 * Health: `up-and-running` while listening. `start()` fails if the address cannot be bound.
 */
@injectable()
export class HttpPushConnector implements Connector {
  private server: Server | null = null;
  private readonly watched = new Map<string, WatchTarget>();
  private readonly tokenHash: Buffer;

  constructor(@inject(Tokens.ConnectorContext) private readonly ctx: ConnectorContext<PushSettings>) {
    this.tokenHash = digest(ctx.settings.token ?? "");
  }

  /** The address actually bound (useful with port 0). */
  get address(): AddressInfo | null {
    return (this.server?.address() as AddressInfo | null) ?? null;
  }

  async start(): Promise<void> {
    const [host, port] = splitHostPort(this.ctx.settings.listen!);
    const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => void this.handle(req, res));
    // Checked every second (Node's default is 30 s: a slow-loris socket lived 40 s, not 10).
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.listen(port, host);
    await once(server, "listening").catch((e: Error) => {
      throw new Error(`cannot listen on ${this.ctx.settings.listen}: ${e.message}`);
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    this.ctx.sink.status("up-and-running", `listening on ${a.address}:${a.port}`);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.watched.clear();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  watch(target: WatchTarget): void {
    this.watched.set(watchTargetId(target.field, target.key), target);
  }

  unwatch(target: WatchTarget): void {
    this.watched.delete(watchTargetId(target.field, target.key));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.authorised(req.headers.authorization)) return reply(res, 401, { error: "missing or wrong Bearer token" });
      const path = (req.url ?? "/").split("?")[0];
      if (req.method === "GET" && path === "/watched") {
        return reply(res, 200, { targets: [...this.watched.values()].map((t) => ({ field: t.field, by: t.key.by, value: t.key.value })) });
      }
      if (req.method !== "POST" || path !== "/presence") return reply(res, 404, { error: "use POST /presence or GET /watched" });
      if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) return reply(res, 415, { error: "Content-Type must be application/json" });
      const text = await readBody(req);
      if (text === null) return reply(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        return reply(res, 400, { error: `invalid JSON: ${(e as Error).message}` });
      }
      let body: PushBody;
      try {
        body = bodyValidator.validate(json);
      } catch (e) {
        if (e instanceof ConfigError) return reply(res, 400, { error: e.message, issues: e.issues });
        throw e;
      }
      const updates: PushUpdate[] = "updates" in body ? body.updates : [body];
      const now = this.ctx.clock.now();
      const mapped = updates.map((u) => toObservations(this.ctx.id, u, now));
      const problems = mapped.map((m, i) => (typeof m === "string" ? { path: `updates[${i}]`, message: m } : null)).filter((p) => p !== null);
      if (problems.length) return reply(res, 400, { error: "invalid push", issues: problems });
      let accepted = 0;
      let unwatched = 0;
      for (const observations of mapped as Exclude<(typeof mapped)[number], string>[]) {
        for (const o of observations) {
          if (!this.server) break;
          if (o.userKey.by !== "username" && !this.watched.has(watchTargetId(o.field, o.userKey))) unwatched++;
          this.ctx.sink.observe(o);
          accepted++;
        }
      }
      // 202 means stored: a push acknowledged before the store had it was lost by a crash in the
      // next 50 ms (found by the robustness suite's kill -9 test). A store that does not answer
      // in time gets the pusher a 503 to retry, not a promise the hub cannot keep.
      if (accepted > 0 && !(await this.stored())) {
        return reply(res, 503, { error: `accepted but not stored within ${DURABLE_WAIT_MS / 1000} s (the store is not answering); push again` }, { "retry-after": "5" });
      }
      reply(res, 202, { accepted, unwatched });
    } catch (e) {
      this.ctx.logger.error({ err: e }, "push request failed");
      if (!res.headersSent) reply(res, 500, { error: "internal error" });
    }
  }

  /** Whether everything observed so far reached the store within {@link DURABLE_WAIT_MS}. */
  private async stored(): Promise<boolean> {
    const durable = this.ctx.sink.durable?.();
    if (!durable) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DURABLE_WAIT_MS)));
    try {
      return await Promise.race([durable.then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private authorised(header: string | undefined): boolean {
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    return m !== null && timingSafeEqual(digest(m[1]!), this.tokenHash);
  }
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The body as UTF-8 text, or null when it exceeds {@link MAX_BODY_BYTES}. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function splitHostPort(value: string): [string, number] {
  const i = value.lastIndexOf(":");
  return [value.slice(0, i).replace(/^\[|\]$/g, ""), Number(value.slice(i + 1))];
}
