import WebSocket from "ws";

/** A message from the console stream. */
export interface StreamMessage {
  readonly type: "snapshot" | "replay" | "delta" | "error";
  readonly seq: number;
  readonly users?: { username: string; telephony: { status: string }; rich: { status: string; message: string | null }; note: unknown }[];
  readonly removed?: string[];
  readonly message?: string;
  readonly since?: number;
}

/** A console connected to `/api/v1/stream`, recording every message. */
export class StreamClient {
  readonly messages: StreamMessage[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => this.messages.push(JSON.parse(data.toString()) as StreamMessage));
  }

  static connect(url: string, options: { token?: string; query?: string; headers?: Record<string, string> } = {}): Promise<StreamClient> {
    const u = `${url.replace(/^http/, "ws")}/api/v1/stream${options.query ? `?${options.query}` : ""}`;
    const socket = new WebSocket(u, { headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers } });
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new StreamClient(socket)));
      socket.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      socket.once("error", reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Waits for a message matching `predicate` (among all received so far), bounded. */
  async waitFor(what: string, predicate: (m: StreamMessage) => boolean, timeoutMs = 5000): Promise<StreamMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no stream message for ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The latest state of each user as seen in the messages. */
  latest(): Map<string, NonNullable<StreamMessage["users"]>[number]> {
    const out = new Map<string, NonNullable<StreamMessage["users"]>[number]>();
    for (const m of this.messages) for (const u of m.users ?? []) out.set(u.username, u);
    return out;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once("close", () => resolve());
      this.socket.close();
    });
  }
}
