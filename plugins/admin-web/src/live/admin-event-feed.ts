import { PassThrough } from "node:stream";
import type { Clock, HubEnvelope, Notifier, ServiceInfo, TimerHandle } from "@presence-hub/core";

/** What changed since the last frame, by kind. The pages re-read what they show. */
interface Pending {
  readonly users: Set<string>;
  /** Users added, edited or deleted (a subset of `users`, for pages that list records, not presence). */
  readonly directory: Set<string>;
  readonly connectors: Set<string>;
  readonly services: Set<string>;
  readonly settings: Set<string>;
}

export interface AdminEventFeedOptions {
  /** Changes within this window go out as one frame (a NOTIFY burst costs one re-read). */
  readonly coalesceMs: number;
  /** Comment line interval that keeps proxies and the browser from closing an idle stream. */
  readonly keepAliveMs: number;
  /** More changed users than this in one frame are sent as `{"all": true}`. */
  readonly maxNames: number;
}

export const DEFAULT_FEED_OPTIONS: AdminEventFeedOptions = { coalesceMs: 200, keepAliveMs: 15_000, maxNames: 200 };

/**
 * Live updates for the admin pages as Server-Sent Events (`GET /api/v1/admin/events`): which
 * users, connectors, services and settings changed, coalesced, never the data itself (pages
 * re-read it through the API, with the caller's rights).
 *
 * Why not the console stream (`/api/v1/stream`)? Watching a user there creates subscription
 * demand: a diagnostics page that watched its table would subscribe everyone it lists, and
 * Diagnostics would never show "Not requested by anyone", nor a test subscription that ends
 * after a minute. This feed observes without creating demand.
 *
 * Frames: `event: users` (presence, notes or record changed) `{"usernames":[…]}` or
 * `{"all":true}`, `event: directory` (records added, edited, deleted; same shape), `event: connectors`
 * `{"ids":[…]}`, `event: services` `{"ids":[…]}`, `event: settings` `{"keys":[…]}`.
 */
export class AdminEventFeed implements Notifier {
  readonly name = "admin-web-events";
  private readonly clients = new Set<PassThrough>();
  private pending: Pending = empty();
  private flushTimer: TimerHandle | null = null;
  private keepAliveTimer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly options: AdminEventFeedOptions = DEFAULT_FEED_OPTIONS,
  ) {}

  /** Hot path: only marks what changed; the frame goes out after the coalescing window. */
  deliver(envelope: HubEnvelope): void {
    if (this.clients.size === 0) return;
    const e = envelope.event;
    switch (e.type) {
      case "user":
        this.pending.directory.add(e.username);
        this.pending.users.add(e.username);
        break;
      case "presence":
      case "annotation":
        this.pending.users.add(e.username);
        break;
      case "connector":
        this.pending.connectors.add(e.id);
        break;
      case "setting":
        this.pending.settings.add(e.key);
        break;
    }
    this.schedule();
  }

  /** A service changed state (Manage Services); connectors' services also refresh the connector list. */
  serviceChanged(info: ServiceInfo): void {
    if (this.clients.size === 0) return;
    this.pending.services.add(info.id);
    if (info.id.startsWith("connector:")) this.pending.connectors.add(info.id.slice("connector:".length));
    this.schedule();
  }

  /** A new client: the stream to answer its request with; it leaves when `closed` fires. */
  open(closed: (cleanup: () => void) => void): PassThrough {
    const stream = new PassThrough();
    this.clients.add(stream);
    // `retry` tells the browser how soon to reconnect after the hub restarts.
    stream.write("retry: 3000\n: connected\n\n");
    const leave = () => {
      this.clients.delete(stream);
      stream.end();
    };
    closed(leave);
    this.armKeepAlive();
    return stream;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Ends every stream (the hub is stopping; browsers reconnect by themselves later). */
  close(): void {
    for (const c of this.clients) c.end();
    this.clients.clear();
    if (this.flushTimer) this.clock.clearTimeout(this.flushTimer);
    if (this.keepAliveTimer) this.clock.clearTimeout(this.keepAliveTimer);
    this.flushTimer = null;
    this.keepAliveTimer = null;
  }

  private schedule(): void {
    if (this.flushTimer) return;
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, this.options.coalesceMs);
  }

  private flush(): void {
    const p = this.pending;
    this.pending = empty();
    const frames: string[] = [];
    if (p.users.size > this.options.maxNames) frames.push(frame("users", { all: true }));
    else if (p.users.size) frames.push(frame("users", { usernames: [...p.users] }));
    if (p.directory.size > this.options.maxNames) frames.push(frame("directory", { all: true }));
    else if (p.directory.size) frames.push(frame("directory", { usernames: [...p.directory] }));
    if (p.connectors.size) frames.push(frame("connectors", { ids: [...p.connectors] }));
    if (p.services.size) frames.push(frame("services", { ids: [...p.services] }));
    if (p.settings.size) frames.push(frame("settings", { keys: [...p.settings] }));
    if (frames.length === 0) return;
    const text = frames.join("");
    for (const c of this.clients) c.write(text);
  }

  private armKeepAlive(): void {
    if (this.keepAliveTimer) return;
    this.keepAliveTimer = this.clock.setTimeout(() => {
      this.keepAliveTimer = null;
      if (this.clients.size === 0) return;
      for (const c of this.clients) c.write(": keep-alive\n\n");
      this.armKeepAlive();
    }, this.options.keepAliveMs);
  }
}

function empty(): Pending {
  return { users: new Set(), directory: new Set(), connectors: new Set(), services: new Set(), settings: new Set() };
}

/** One SSE frame; JSON never contains a raw newline, so one `data:` line suffices. */
function frame(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
