/**
 * The same-run baseline: what one core does with the same NOTIFYs when nothing but the essentials
 * runs. A raw `dgram` socket (same 4 MiB receive buffer as the hub's UDP transport), a minimal
 * SIP splitter, regex extraction of the body's fields, a 200 OK. With `wsPort`, it also pushes
 * changed users to WebSocket consoles the way a minimal hub would: one frame per console every
 * `flushMs`, built and encoded once for all of them.
 */
import { createSocket } from "node:dgram";
import { WebSocketServer, type WebSocket } from "ws";
import { emit, serveIpc } from "../lib/proc.js";
import { header, parseMini, response } from "../lib/mini-sip.js";

const BASIC = /<(?:\w+:)?basic>\s*(open|closed)\s*</;
const NOTE = /<(?:\w+:)?note[^>]*>([^<]*)</;
const ACTIVITY = /<(?:\w+:)?activities>\s*<(?:\w+:)?([\w-]+)/;
const STATE = /<(?:\w+:)?state[^>]*>\s*(\w+)\s*</;
const REMOTE = /<(?:\w+:)?remote>\s*<(?:\w+:)?identity[^>]*>([^<]*)</;
const ENTITY = /entity="sips?:([^@"]+)@/;

interface UserView {
  username: string;
  telephony: { status: string; detail: { remoteParty?: string } };
  rich: { status: string; message: string | null };
}

const users = new Map<string, UserView>();
const pending = new Set<UserView>();
const clients = new Set<WebSocket>();
let seq = 0;
let received = 0;

function view(user: string): UserView {
  let v = users.get(user);
  if (!v) {
    v = { username: user, telephony: { status: "available", detail: {} }, rich: { status: "available", message: null } };
    users.set(user, v);
  }
  return v;
}

function onNotify(text: string, reply: (s: string) => void): void {
  received++;
  const m = parseMini(text);
  reply(response(m, 200, "OK", null));
  const body = m.body;
  const entity = ENTITY.exec(body)?.[1];
  if (!entity) return;
  const type = header(m, "content-type");
  if (type.startsWith("application/pidf")) {
    // Extension-less presentities are users: u0000 …
    const v = view(entity);
    const activity = ACTIVITY.exec(body)?.[1];
    v.rich = { status: BASIC.exec(body)?.[1] === "closed" ? "offline" : activity === "away" ? "away" : activity ? "busy" : "available", message: NOTE.exec(body)?.[1] ?? null };
    pending.add(v);
  } else if (type.startsWith("application/dialog-info")) {
    const v = view(`u${String(Number(entity) - 20000).padStart(4, "0")}`);
    const state = STATE.exec(body)?.[1]?.toLowerCase();
    const remote = REMOTE.exec(body)?.[1];
    v.telephony = { status: state === "confirmed" ? "busy" : state ? "ringing" : "available", detail: remote ? { remoteParty: remote } : {} };
    pending.add(v);
  }
}

function flush(): void {
  if (pending.size === 0 || clients.size === 0) {
    pending.clear();
    return;
  }
  seq++;
  const parts: string[] = [];
  for (const v of pending) parts.push(JSON.stringify(v));
  pending.clear();
  const frame = Buffer.from(`{"type":"delta","seq":${seq},"users":[${parts.join(",")}],"removed":[]}`);
  for (const c of clients) if (c.bufferedAmount < 4 * 1024 * 1024) c.send(frame, { binary: false });
}

serveIpc({
  async start(args: { port: number; wsPort?: number; flushMs?: number }) {
    const socket = createSocket({ type: "udp4", recvBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(args.port, "127.0.0.1", () => resolve());
    });
    socket.on("message", (data, rinfo) => onNotify(data.toString("utf8"), (s) => socket.send(Buffer.from(s), rinfo.port, rinfo.address)));
    socket.on("error", () => {});
    if (args.wsPort) {
      const wss = new WebSocketServer({ port: args.wsPort, host: "127.0.0.1", perMessageDeflate: false });
      wss.on("connection", (ws) => {
        ws.on("message", () => {
          clients.add(ws);
          ws.send(`{"type":"snapshot","seq":${seq},"users":[]}`);
        });
        ws.on("close", () => clients.delete(ws));
        ws.on("error", () => clients.delete(ws));
      });
      await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
      setInterval(flush, args.flushMs ?? 20);
    }
    return null;
  },
  stats() {
    const cpu = process.cpuUsage();
    return { received, cpuUserUs: cpu.user, cpuSystemUs: cpu.system };
  },
  stop() {
    setTimeout(() => process.exit(0), 10);
    return null;
  },
});
emit("ready");
