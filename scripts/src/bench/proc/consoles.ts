/**
 * Attendant consoles: N WebSocket connections in one process, each watching everyone. A few
 * sampled consoles parse every frame and measure, per user and field, the time from the stamp
 * in the NOTIFY body (rich message, telephony remote party, or note text) to receipt; the others
 * only count frames and bytes. The socket reads as fast as this process can, so a console that
 * cannot keep up pushes back through TCP and the hub's per-console buffer limit.
 */
import WebSocket from "ws";
import { emit, serveIpc } from "../lib/proc.js";
import { readStamp } from "../lib/mini-sip.js";
import { indexOfUsername } from "../lib/population.js";
import { nowMs, sleep, summarize, type LatencySummary } from "../lib/stats.js";

interface Representation {
  readonly username: string;
  readonly telephony?: { readonly detail?: { readonly remoteParty?: string } };
  readonly rich?: { readonly message?: string | null };
  readonly note?: { readonly text?: string } | null;
}

interface Frame {
  readonly type: string;
  readonly users?: readonly Representation[];
}

class Console {
  frames = 0;
  bytes = 0;
  snapshot = false;
  readonly latencies: number[] = [];
  /** Last stamp seen per user (epoch ms), per field. */
  rich: Float64Array;
  telephony: Float64Array;
  note: Float64Array;

  constructor(
    readonly socket: WebSocket,
    readonly sampled: boolean,
    users: number,
  ) {
    this.rich = new Float64Array(users);
    this.telephony = new Float64Array(users);
    this.note = new Float64Array(users);
  }

  onFrame(data: Buffer): void {
    this.frames++;
    this.bytes += data.length;
    if (!this.sampled) {
      // Only the first bytes are needed to see the snapshot come: a 10,000-user snapshot parsed
      // by 100 consoles would cost seconds for nothing.
      if (!this.snapshot && /^\{"type":"(snapshot|replay)"/.test(data.subarray(0, 32).toString("latin1"))) this.snapshot = true;
      return;
    }
    const frame = JSON.parse(data.toString("utf8")) as Frame;
    if (frame.type === "snapshot" || frame.type === "replay") this.snapshot = true;
    if (!this.sampled || !frame.users) return;
    const now = nowMs();
    for (const u of frame.users) {
      const i = indexOfUsername(u.username);
      if (i < 0 || i >= this.rich.length) continue;
      this.track(this.rich, i, readStamp(u.rich?.message), now, frame.type);
      this.track(this.telephony, i, readStamp(u.telephony?.detail?.remoteParty), now, frame.type);
      this.track(this.note, i, readStamp(u.note?.text), now, frame.type);
    }
  }

  private track(last: Float64Array, i: number, ts: number | null, now: number, type: string): void {
    if (ts === null || ts <= last[i]!) return;
    last[i] = ts;
    if (type === "delta") this.latencies.push(now - ts);
  }
}

let consoles: Console[] = [];

serveIpc({
  /** Opens `count` consoles to `url` (watching everyone); the listed indexes parse and measure. */
  async connect(args: { url: string; count: number; sampled: number[]; users: number; watch?: unknown; timeoutMs?: number }) {
    const sampled = new Set(args.sampled);
    const opened = await Promise.all(
      Array.from({ length: args.count }, (_, i) =>
        new Promise<Console>((resolve, reject) => {
          const socket = new WebSocket(args.url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
          const c = new Console(socket, sampled.has(i), args.users);
          socket.on("message", (data: Buffer) => c.onFrame(data));
          socket.once("open", () => {
            socket.send(JSON.stringify({ watch: args.watch ?? "all" }));
            resolve(c);
          });
          socket.once("error", reject);
        }),
      ),
    );
    consoles = opened;
    const end = Date.now() + (args.timeoutMs ?? 60_000);
    while (consoles.some((c) => !c.snapshot)) {
      if (Date.now() > end) throw new Error(`only ${consoles.filter((c) => c.snapshot).length} of ${consoles.length} consoles got their snapshot`);
      await sleep(20);
    }
    return { consoles: consoles.length };
  },
  /** Forgets the latencies measured so far (e.g. after a warm-up). */
  reset() {
    for (const c of consoles) c.latencies.length = 0;
    return null;
  },
  /** Latencies since the last reset over every sampled console, and what every console received. */
  collect(): { latency: LatencySummary; frames: number[]; bytes: number[] } {
    const all: number[] = [];
    for (const c of consoles) if (c.sampled) for (const l of c.latencies) all.push(l);
    return { latency: summarize(all), frames: consoles.map((c) => c.frames), bytes: consoles.map((c) => c.bytes) };
  },
  /** The last stamps the sampled consoles saw, per user and field, for the delivery check. */
  lastStamps(): { rich: Float64Array; telephony: Float64Array; note: Float64Array }[] {
    return consoles.filter((c) => c.sampled).map((c) => ({ rich: c.rich, telephony: c.telephony, note: c.note }));
  },
  async stop() {
    for (const c of consoles) c.socket.terminate();
    setTimeout(() => process.exit(0), 10);
    return null;
  },
});
emit("ready");
