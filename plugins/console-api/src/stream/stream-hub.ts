import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Server as HttpServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import type { Clock, EventBus, HubEnvelope, Hub, Logger, Notifier, Principal, TimerHandle, UpgradeAuthenticator, User } from "@presence-hub/core";
import { matchesText, representUser, type Viewer } from "../user-view.js";
import { ChangeLog } from "./change-log.js";
import { parseClientMessage, type WatchRequest } from "./stream-protocol.js";

/** Stream path. */
export const STREAM_PATH = "/api/v1/stream";

export interface StreamOptions {
  /** Coalescing window: changes within it go out as one frame per console. */
  readonly flushMs: number;
  /** A console whose socket buffers more than this is skipped until it drains (its changes wait, coalesced). */
  readonly maxBufferedBytes: number;
  /** Change-log entries kept for resume. */
  readonly changeLogSize: number;
  /** WebSocket ping interval (dead consoles are dropped). */
  readonly pingMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = { flushMs: 20, maxBufferedBytes: 4 * 1024 * 1024, changeLogSize: 100_000, pingMs: 30_000 };

/** One console connection. */
class Connection {
  /** What it watches: a set of usernames, everyone, or a text query. */
  watch: { kind: "none" } | { kind: "list"; users: Set<string> } | { kind: "all" } | { kind: "query"; q: string; users: Set<string> } = { kind: "none" };
  /** Changes held back for this console alone (it was slow, or it watches a list or query). */
  readonly pending = new Set<string>();
  readonly removed = new Set<string>();
  alive = true;
  /** When the oldest change still pending for this console happened (hub clock, ms): the frame's lag. */
  pendingSince = 0;
  /** Bus seq of its last snapshot or replay: changes up to it are already on the console. */
  syncedSeq = 0;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly viewer: Viewer,
    /** `?since=` given at connect: the first watch answers with a replay. */
    public resumeFrom: number | null,
  ) {}

  watches(username: string): boolean {
    switch (this.watch.kind) {
      case "all":
        return true;
      case "list":
      case "query":
        return this.watch.users.has(username);
      default:
        return false;
    }
  }
}

/**
 * The live console stream: WebSocket connections authenticated like the API, each watching a
 * list, a query or everyone. Watching creates subscription demand (on-demand subscriptions).
 * Every hub event marks the user changed; every `flushMs` each console gets ONE frame with the
 * current representation of the changed users it watches (each representation serialised once
 * per flush, whatever the number of consoles). Consoles that watch everyone and are up to date
 * share one frame, built and encoded once: with 100 such consoles, per-console strings were
 * most of the hub's allocation (and GC) at a few thousand NOTIFYs per second. Sequence numbers
 * are the bus's; `?since=` resumes from the change log.
 */
export class StreamHub implements Notifier {
  readonly name = "console-stream";
  private readonly connections = new Set<Connection>();
  private readonly log: ChangeLog;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  private timer: TimerHandle | null = null;
  private pinger: NodeJS.Timeout | null = null;
  /** This stream instance: resume points (`seq`) are only meaningful within one epoch. */
  readonly epoch = randomBytes(6).toString("hex");
  private counter = 0;
  /** Users changed since the last flush, with the bus seq of their latest change. */
  private changed = new Map<string, number>();
  /** Seq and hub time of the oldest change in {@link changed}. */
  private changedFirstSeq = 0;
  private changedSince = 0;
  /** Frames and users sent, connections opened, frames held back for slow consoles (for tests, metrics). */
  readonly stats = { frames: 0, users: 0, connections: 0, deferred: 0 };

  constructor(
    private readonly hub: Hub,
    private readonly bus: EventBus,
    private readonly auth: UpgradeAuthenticator,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: StreamOptions = DEFAULT_STREAM_OPTIONS,
    /** Told, per delta frame, how long its oldest change waited (seconds): the stream's lag. */
    private readonly observeLag: (seconds: number) => void = () => {},
  ) {
    this.log = new ChangeLog(options.changeLogSize);
  }

  /** Takes over WebSocket upgrades for the stream path on the HTTP server. */
  attach(server: HttpServer): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? "/", "http://hub");
      if (url.pathname !== STREAM_PATH) return; // other upgrade handlers may want it
      void this.upgrade(req, socket, head, url);
    });
  }

  /** Starts the keep-alive pings that drop dead consoles (the `stream` service's start). */
  start(): void {
    if (this.pinger) return;
    this.pinger = setInterval(() => this.ping(), this.options.pingMs);
    this.pinger.unref();
  }

  async close(): Promise<void> {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
    if (this.timer) this.clock.clearTimeout(this.timer);
    for (const c of [...this.connections]) this.drop(c, 1001, "hub stopping");
  }

  get size(): number {
    return this.connections.size;
  }

  // ─── Notifier (hot path) ────────────────────────────────────────────────────────────────────

  deliver(envelope: HubEnvelope): void {
    const e = envelope.event;
    if (e.type !== "presence" && e.type !== "user" && e.type !== "annotation") return;
    const username = e.username;
    this.log.record(envelope.seq, username);
    if (e.type === "user" && e.user === null) return this.onUserRemoved(username, envelope.at);
    if (e.type === "user" && e.user) this.onUserSaved(e.user);
    if (this.connections.size === 0) return;
    // O(1) per event whatever the number of consoles: who watches it is decided at the flush.
    if (this.changed.size === 0) {
      this.changedFirstSeq = envelope.seq;
      this.changedSince = envelope.at;
    }
    this.changed.set(username, envelope.seq);
    this.schedule();
  }

  /** A user was deleted: consoles watching them are told, and lists and queries forget them. */
  private onUserRemoved(username: string, at: number): void {
    this.changed.delete(username);
    let any = false;
    for (const c of this.connections) {
      if (!c.watches(username)) continue;
      if (c.pending.size === 0 && c.removed.size === 0) c.pendingSince = at;
      c.removed.add(username);
      c.pending.delete(username);
      if (c.watch.kind === "list" || c.watch.kind === "query") c.watch.users.delete(username);
      any = true;
    }
    if (any) this.schedule();
  }

  // ─── connections ────────────────────────────────────────────────────────────────────────────

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    let principal: Principal | null;
    try {
      principal = await this.auth.authenticate(req.headers, url);
    } catch {
      principal = null;
    }
    if (!principal) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    const sinceRaw = url.searchParams.get("since");
    // Sequence numbers belong to one stream instance (they restart with the hub and differ
    // between cluster nodes): a resume from another epoch gets a fresh snapshot instead.
    const epoch = url.searchParams.get("epoch");
    const since = sinceRaw === null || (epoch !== null && epoch !== this.epoch) ? null : Number(sinceRaw);
    if (since !== null && (!Number.isInteger(since) || since < 0)) {
      socket.end("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 33\r\nConnection: close\r\n\r\nsince must be a non-negative seq\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, { role: principal.role }, since));
  }

  private open(socket: WebSocket, viewer: Viewer, since: number | null): void {
    const c = new Connection(`stream:${++this.counter}`, socket, viewer, since);
    this.connections.add(c);
    this.stats.connections++;
    socket.on("message", (data, isBinary) => {
      if (isBinary) return this.send(c, { type: "error", seq: this.bus.lastSeq, message: "send JSON text frames" });
      const parsed = parseClientMessage(data.toString());
      if ("error" in parsed) return this.send(c, { type: "error", seq: this.bus.lastSeq, message: parsed.error });
      this.setWatch(c, parsed.watch);
    });
    socket.on("pong", () => (c.alive = true));
    socket.on("close", () => this.drop(c));
    socket.on("error", () => this.drop(c));
  }

  private setWatch(c: Connection, request: WatchRequest): void {
    const before = this.watchedUsers(c);
    const asked = Array.isArray(request) ? new Set<string>(request) : null;
    if (request === "all") c.watch = { kind: "all" };
    else if (Array.isArray(request)) c.watch = { kind: "list", users: new Set(request.filter((u) => this.hub.user(u))) };
    else {
      const q = (request as { q: string }).q;
      c.watch = { kind: "query", q, users: new Set(this.hub.users().filter((u) => matchesText(u, q)).map((u) => u.username)) };
    }
    const after = this.watchedUsers(c);
    for (const u of after) if (!before.has(u)) this.hub.addDemand(u, c.id);
    for (const u of before) if (!after.has(u)) this.hub.removeDemand(u, c.id);
    c.pending.clear();
    c.removed.clear();
    const seq = this.bus.lastSeq;
    c.syncedSeq = seq;
    const resume = c.resumeFrom;
    c.resumeFrom = null;
    if (resume !== null) {
      const changed = this.log.changedSince(resume, seq);
      if (changed) {
        const users = [...changed].filter((u) => after.has(u));
        // Users deleted while the console was away: the ones it asked for (or everyone, for "all").
        const removed = [...changed].filter((u) => !this.hub.user(u) && (c.watch.kind === "all" || asked?.has(u)));
        return this.sendUsers(c, `{"type":"replay","seq":${seq},"epoch":"${this.epoch}","since":${resume},"removed":${JSON.stringify(removed)},"users":[`, users, "]}");
      }
    }
    this.sendUsers(c, `{"type":"snapshot","seq":${seq},"epoch":"${this.epoch}","users":[`, [...after], "]}");
  }

  private watchedUsers(c: Connection): Set<string> {
    switch (c.watch.kind) {
      case "all":
        return new Set(this.hub.users().map((u) => u.username));
      case "list":
      case "query":
        return new Set(c.watch.users);
      default:
        return new Set();
    }
  }

  /** A user was created or edited: consoles watching everyone or a matching query now watch them. */
  private onUserSaved(user: User): void {
    for (const c of this.connections) {
      const w = c.watch;
      if (w.kind === "all" || (w.kind === "query" && matchesText(user, w.q) && !w.users.has(user.username))) {
        if (w.kind === "query") w.users.add(user.username);
        this.hub.addDemand(user.username, c.id);
      }
    }
  }

  private drop(c: Connection, code?: number, reason?: string): void {
    if (!this.connections.delete(c)) return;
    for (const u of this.watchedUsers(c)) this.hub.removeDemand(u, c.id);
    if (code) c.socket.close(code, reason);
    else c.socket.terminate();
  }

  private ping(): void {
    for (const c of this.connections) {
      if (!c.alive) {
        this.drop(c);
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }

  // ─── frames ─────────────────────────────────────────────────────────────────────────────────

  private schedule(): void {
    if (this.timer) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.options.flushMs);
  }

  /**
   * One frame per console with changes it watches; each representation serialised once. Up-to-date
   * consoles watching everyone get one shared frame per viewer role; the others get their own.
   */
  private flush(): void {
    const seq = this.bus.lastSeq;
    const changed = this.changed;
    const firstSeq = this.changedFirstSeq;
    const since = this.changedSince;
    this.changed = new Map();
    const now = this.clock.now();
    // Per viewer role, each user's JSON: serialised once per flush whatever the number of consoles.
    const caches = new Map<string, Map<string, string | null>>();
    const cacheFor = (role: string) => caches.get(role) ?? caches.set(role, new Map()).get(role)!;
    const shared = new Map<string, { frame: Buffer; users: number }>();
    let deferred = false;
    for (const c of this.connections) {
      const own = c.pending.size > 0 || c.removed.size > 0;
      const fresh = changed.size > 0 && c.watch.kind !== "none";
      if (!own && !fresh) continue;
      if (c.socket.bufferedAmount > this.options.maxBufferedBytes) {
        // Slow console: what it misses waits in its own set, coalesced.
        if (fresh) {
          if (!own) c.pendingSince = since;
          collect(c, changed);
        }
        deferred = true;
        this.stats.deferred++;
        continue;
      }
      if (!own && c.watch.kind === "all" && c.syncedSeq < firstSeq) {
        let s = shared.get(c.viewer.role);
        if (!s) {
          const parts = this.representations(changed.keys(), c.viewer, cacheFor(c.viewer.role));
          s = { frame: Buffer.from(deltaFrame(seq, parts, "[]")), users: parts.length };
          shared.set(c.viewer.role, s);
        }
        this.observeLag(Math.max(0, now - since) / 1000);
        this.write(c, s.frame, s.users);
        continue;
      }
      if (fresh) collect(c, changed);
      if (c.pending.size === 0 && c.removed.size === 0) continue;
      const parts = this.representations(c.pending, c.viewer, cacheFor(c.viewer.role));
      const removed = c.removed.size ? JSON.stringify([...c.removed]) : "[]";
      const oldest = own ? (fresh ? Math.min(c.pendingSince, since) : c.pendingSince) : since;
      c.pending.clear();
      c.removed.clear();
      this.observeLag(Math.max(0, now - oldest) / 1000);
      this.write(c, deltaFrame(seq, parts, removed), parts.length);
    }
    if (deferred) this.schedule();
  }

  /** JSON of each existing user's representation for the viewer; `cache` holds the viewer role's, by username. */
  private representations(usernames: Iterable<string>, viewer: Viewer, cache: Map<string, string | null>): string[] {
    const parts: string[] = [];
    for (const u of usernames) {
      let json = cache.get(u);
      if (json === undefined) {
        const user = this.hub.user(u);
        json = user ? JSON.stringify(representUser(this.hub, user, viewer)) : null;
        cache.set(u, json);
      }
      if (json) parts.push(json);
    }
    return parts;
  }

  private sendUsers(c: Connection, head: string, usernames: string[], tail: string): void {
    const parts = this.representations(usernames, c.viewer, new Map());
    this.write(c, head + parts.join(",") + tail, parts.length);
  }

  private send(c: Connection, message: object): void {
    this.write(c, JSON.stringify(message), 0);
  }

  /** Sends a text frame; a Buffer is sent as is (shared frames are encoded once for every console). */
  private write(c: Connection, data: string | Buffer, users: number): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    this.stats.frames++;
    this.stats.users += users;
    c.socket.send(data, { binary: false }, (err) => {
      if (err) this.logger.debug({ err, console: c.id }, "stream write failed; dropping the console");
    });
  }
}

/** Adds the changed users this console watches and has not seen yet to its own pending set. */
function collect(c: Connection, changed: ReadonlyMap<string, number>): void {
  for (const [u, at] of changed) if (at > c.syncedSeq && c.watches(u)) c.pending.add(u);
}

/** A delta frame: the changed users' representations (JSON) and the removed usernames (a JSON array). */
function deltaFrame(seq: number, parts: readonly string[], removed: string): string {
  return `{"type":"delta","seq":${seq},"users":[${parts.join(",")}],"removed":${removed}}`;
}
