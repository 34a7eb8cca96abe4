import type { UserView } from "./types.js";

/** Server frames of `/api/v1/stream` (see the console-api plugin's stream protocol). */
type StreamFrame =
  | { readonly type: "snapshot"; readonly seq: number; readonly epoch: string; readonly users: readonly UserView[] }
  | { readonly type: "replay"; readonly seq: number; readonly epoch: string; readonly since: number; readonly removed: readonly string[]; readonly users: readonly UserView[] }
  | { readonly type: "delta"; readonly seq: number; readonly users: readonly UserView[]; readonly removed: readonly string[] }
  | { readonly type: "error"; readonly seq: number; readonly message: string };

/** Connection states, for the header's indicator. */
export type StreamState = "connecting" | "open" | "reconnecting";

/** What the console does with the stream's news. */
export interface StreamHandlers {
  /** Current representations (snapshot, replay, delta). */
  users(users: readonly UserView[]): void;
  /** Users deleted from the hub. */
  removed(usernames: readonly string[]): void;
  /** The connection's state; `retryInMs` while waiting to reconnect. */
  state(state: StreamState, retryInMs?: number): void;
  /** The connection failed: the session may have ended (the page checks and goes to the login). */
  failed(): void;
}

/** Reconnect delays: from half a second, doubling, at most 15 s; ±25 % jitter so a restarted hub is not hit by every console at once. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.75 + random() * 0.5));
}

const key = (names: readonly string[]) => [...names].sort().join("\n");

/**
 * The console's live connection: a WebSocket to `/api/v1/stream` with the session cookie (the
 * hub accepts it from its own origin only), watching the usernames the console shows — which is
 * what subscribes them. Every frame's `seq` is kept; after a lost connection it reconnects by
 * itself (backoff with jitter) with `?since=SEQ`, and the hub replays only what changed — as
 * long as the watched set is the one the last snapshot answered (otherwise a new snapshot is
 * needed anyway, so it connects without `since`).
 */
export class ConsoleStream {
  private socket: WebSocket | null = null;
  private wanted: string[] = [];
  /** Keys of watch requests sent on this connection and not yet answered (answers come in order). */
  private readonly unanswered: string[] = [];
  /** The watched set the model holds data for (the last answered watch). */
  private answeredKey: string | null = null;
  private lastSeq: number | null = null;
  /** The stream instance `lastSeq` belongs to (the hub answers another epoch with a snapshot). */
  private epoch: string | null = null;
  private attempt = 0;
  private retryTimer: number | undefined;
  private stopped = false;

  constructor(
    private readonly handlers: StreamHandlers,
    private readonly url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/v1/stream`,
  ) {}

  /** The sequence number of the last frame (what a reconnect resumes from). */
  get seq(): number | null {
    return this.lastSeq;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.socket?.close(1000, "page closed");
    this.socket = null;
  }

  /** Watches exactly these users from now on (the hub answers with a snapshot of them). */
  watch(usernames: readonly string[]): void {
    const next = [...new Set(usernames)];
    if (key(next) === key(this.wanted)) return;
    this.wanted = next;
    this.sendWatch();
  }

  /** Drops the connection now (it reconnects as after any loss); for "Reconnect" and tests. */
  reconnectNow(): void {
    this.socket?.close(4000, "reconnect");
  }

  private connect(): void {
    clearTimeout(this.retryTimer);
    const resume = this.lastSeq !== null && this.answeredKey === key(this.wanted);
    const socket = new WebSocket(resume ? `${this.url}?since=${this.lastSeq}${this.epoch ? `&epoch=${encodeURIComponent(this.epoch)}` : ""}` : this.url);
    this.socket = socket;
    this.unanswered.length = 0;
    let opened = false;
    this.handlers.state(this.attempt === 0 ? "connecting" : "reconnecting");
    socket.addEventListener("open", () => {
      opened = true;
      this.attempt = 0;
      this.handlers.state("open");
      this.sendWatch();
    });
    socket.addEventListener("message", (event) => this.onFrame(event.data));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      // Refused before it opened (a 401 on the upgrade looks just like this): ask the page to check the session.
      if (!opened) this.handlers.failed();
      const delay = reconnectDelay(this.attempt++);
      this.handlers.state("reconnecting", delay);
      this.retryTimer = window.setTimeout(() => this.connect(), delay);
    });
  }

  private sendWatch(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return; // sent on open
    this.unanswered.push(key(this.wanted));
    socket.send(JSON.stringify({ watch: this.wanted }));
  }

  private onFrame(data: unknown): void {
    if (typeof data !== "string") return;
    let frame: StreamFrame;
    try {
      frame = JSON.parse(data) as StreamFrame;
    } catch {
      return;
    }
    // Not an error frame's seq: changes still waiting in the hub's coalescing window would be skipped on resume.
    if (frame.type !== "error" && typeof frame.seq === "number") this.lastSeq = frame.seq;
    switch (frame.type) {
      case "snapshot":
      case "replay":
        this.answeredKey = this.unanswered.shift() ?? this.answeredKey;
        this.epoch = frame.epoch;
        this.handlers.users(frame.users);
        if (frame.type === "replay" && frame.removed.length) this.handlers.removed(frame.removed);
        break;
      case "delta":
        this.handlers.users(frame.users);
        if (frame.removed.length) this.handlers.removed(frame.removed);
        break;
      case "error":
        console.warn(`stream: ${frame.message}`);
        break;
    }
  }
}
