import pg from "pg";
import type { Logger } from "../contracts/logger.js";

/** The LISTEN/NOTIFY channel the hub nodes talk on. */
export const CLUSTER_CHANNEL = "presence_hub_cluster";
/** PostgreSQL's NOTIFY payload limit is 8000 bytes; stay clear of it. */
export const MAX_PAYLOAD_BYTES = 7800;

/**
 * One dedicated PostgreSQL connection for LISTEN (a pooled connection cannot keep a LISTEN),
 * re-established after errors with a short delay. Sending goes through the same connection:
 * `pg_notify` delivers in commit order to every listener, this node included (its own messages
 * are filtered by the caller).
 */
export class PgChannel {
  private client: pg.Client | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** The last send: sends wait for it, because one connection runs one query at a time (pg 9 refuses overlap). */
  private lastSend: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: string,
    private readonly onMessage: (payload: string) => void,
    private readonly onReconnected: () => void,
    private readonly logger: Logger,
  ) {}

  async open(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connection });
    client.on("notification", (n) => {
      if (n.channel === CLUSTER_CHANNEL && n.payload) this.onMessage(n.payload);
    });
    client.on("error", (e) => this.lost(client, e));
    client.on("end", () => this.lost(client, new Error("connection ended")));
    await client.connect();
    await client.query(`LISTEN ${CLUSTER_CHANNEL}`);
    this.client = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }

  /** Sends to every node; false when the payload is too big or the channel is down. */
  send(payload: string): Promise<boolean> {
    if (!this.client || Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) return Promise.resolve(false);
    const sent = this.lastSend.then(async () => {
      const client = this.client;
      if (!client) return false;
      try {
        await client.query("SELECT pg_notify($1, $2)", [CLUSTER_CHANNEL, payload]);
        return true;
      } catch (e) {
        this.logger.warn({ err: e }, "cluster message not sent");
        return false;
      }
    });
    this.lastSend = sent;
    return sent;
  }

  private lost(client: pg.Client, e: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    this.logger.warn({ err: e }, "cluster channel lost; reconnecting");
    const retry = () => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.open()
        .then(() => this.onReconnected())
        .catch(() => {
          this.reconnectTimer = setTimeout(retry, 1000);
          this.reconnectTimer.unref();
        });
    };
    this.reconnectTimer = setTimeout(retry, 200);
    this.reconnectTimer.unref();
  }
}
