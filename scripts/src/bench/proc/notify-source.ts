/**
 * The NOTIFY source: plays the presence server. It answers the hub's SUBSCRIBEs (200, then an
 * initial NOTIFY), and on command sends in-dialog NOTIFYs open-loop at a fixed rate (PIDF on
 * presence dialogs, dialog-info on dialog dialogs, round-robin over every dialog), each with the
 * intended send time stamped in the body. It counts the 200 OKs and their round-trip times.
 *
 * With `preset`, it makes up dialogs towards a receiver that never subscribes (the raw baseline).
 */
import { randomBytes } from "node:crypto";
import { createSocket, type RemoteInfo } from "node:dgram";
import { emit, serveIpc } from "../lib/proc.js";
import { dialogInfoBody, header, parseMini, pidfBody, response, stamp, tagOf, uriOf } from "../lib/mini-sip.js";
import { DOMAIN, extension, indexOfTarget, username } from "../lib/population.js";
import { nowMs, sleep, summarize, type LatencySummary } from "../lib/stats.js";

interface Dialog {
  readonly callId: string;
  readonly watcherTag: string;
  readonly ourTag: string;
  readonly event: "presence" | "dialog";
  readonly index: number;
  /** Presentity user part (`u0001` or `20001`). */
  readonly user: string;
  readonly watcherUri: string;
  readonly requestUri: string;
  readonly address: string;
  readonly port: number;
  cseq: number;
  version: number;
  step: number;
}

/** What one open-loop step did. */
export interface StepResult {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  /** 2xx answers to the step's NOTIFYs. */
  readonly answered: number;
  /** Non-2xx answers, by status code. */
  readonly refused: Record<string, number>;
  /** How far the sender fell behind its schedule (ms): p99 and max. */
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  /** NOTIFY → 200 OK round trip. */
  readonly rtt: LatencySummary;
  /** When the step's sending started and ended (epoch ms). */
  readonly startedAt: number;
  readonly endedAt: number;
}

const RING = 1 << 21;
const sendTimes = new Float64Array(RING);
const dialogs: Dialog[] = [];
const byCallId = new Map<string, Dialog>();
let port = 0;
let socket: ReturnType<typeof createSocket> | null = null;
const counters = { subscribes: 0, initialSent: 0, initialAnswered: 0, answered: 0, refused: {} as Record<string, number> };
let seq = 0;
let other = 0;
/** Initial NOTIFYs not answered yet, by branch: re-sent like a server's timer E would (the hub may drop some while it subscribes thousands at once). */
const unanswered = new Map<string, { msg: Buffer; port: number; address: string; sentAt: number; tries: number }>();
let stepFirstSeq = Number.MAX_SAFE_INTEGER;
let rtts: number[] = [];
/** Last stamp sent per user and field (epoch ms), for the delivery check. */
let lastRich = new Float64Array(0);
let lastTel = new Float64Array(0);

function onDatagram(data: Buffer, remote: RemoteInfo): void {
  const text = data.toString("latin1");
  if (text.startsWith("SIP/2.0 ")) return onResponse(text);
  const m = parseMini(text);
  const [method, requestUri] = m.start.split(" ");
  if (method !== "SUBSCRIBE") {
    send(response(m, 405, "Method Not Allowed", null, ["Allow: SUBSCRIBE"]), remote.port, remote.address);
    return;
  }
  counters.subscribes++;
  const callId = header(m, "call-id");
  const expires = Math.min(3600, Number(header(m, "expires") || 3600));
  const existing = byCallId.get(callId);
  const ourTag = existing?.ourTag ?? tagOf(header(m, "to")) ?? "";
  const tag = ourTag || randomBytes(6).toString("hex");
  const contact = `Contact: <sip:pbx@127.0.0.1:${port}>`;
  send(response(m, 200, "OK", tag, [`Expires: ${expires}`, contact]), remote.port, remote.address);
  const eventName = header(m, "event").split(";")[0]!.trim();
  const event = eventName === "dialog" ? "dialog" : "presence";
  const user = /^sips?:([^@;>]+)@/.exec(requestUri ?? "")?.[1] ?? "";
  const target = indexOfTarget(user);
  const base = {
    callId,
    watcherTag: tagOf(header(m, "from")),
    ourTag: tag,
    event,
    index: target?.index ?? -1,
    user,
    watcherUri: uriOf(header(m, "from")),
    requestUri: uriOf(header(m, "contact")) || uriOf(header(m, "from")),
    address: remote.address,
    port: remote.port,
    cseq: 0,
    version: 0,
    step: 0,
  } satisfies Dialog;
  if (expires === 0) {
    // A fetch (the connector's health probe) or an unsubscribe: one final NOTIFY, no dialog kept.
    if (existing) {
      byCallId.delete(callId);
      dialogs.splice(dialogs.indexOf(existing), 1);
    }
    notify(existing ?? base, "terminated;reason=timeout", "", "");
    return;
  }
  if (existing) return; // a refresh or a retransmission: the dialog stands
  const d: Dialog = base;
  byCallId.set(callId, d);
  if (d.index >= 0) dialogs.push(d);
  counters.initialSent++;
  // Initial state: available, no call (not stamped: the latency clock starts with the steps).
  if (event === "presence") notify(d, "active;expires=3600", "application/pidf+xml", pidfBody(user, DOMAIN, 0, "initial"));
  else notify(d, "active;expires=3600", "application/dialog-info+xml", `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${d.version++}" state="full" entity="sip:${user}@${DOMAIN}"/>`);
}

function onResponse(text: string): void {
  const status = text.slice(8, 11);
  const b = text.indexOf("branch=z9hG4bKbn");
  if (b < 0) {
    const i = text.indexOf("branch=z9hG4bKin");
    if (i >= 0) {
      const end = text.indexOf("\r\n", i);
      const branch = text.slice(i + 7, end < 0 ? undefined : end).split(";")[0]!;
      if (unanswered.delete(branch) && status[0] === "2") counters.initialAnswered++;
    }
    return;
  }
  const n = parseInt(text.slice(b + 16, b + 32), 10);
  if (n < stepFirstSeq) return; // a late answer from an earlier step
  if (status[0] === "2") {
    counters.answered++;
    rtts.push(nowMs() - sendTimes[n & (RING - 1)]!);
  } else counters.refused[status] = (counters.refused[status] ?? 0) + 1;
}

/** Sends a NOTIFY; step NOTIFYs are numbered in their Via branch (`z9hG4bKbn<n>`), others are not counted. */
function notify(d: Dialog, state: string, type: string, body: string, counted = false): void {
  let branch: string;
  if (counted) {
    const n = seq++;
    sendTimes[n & (RING - 1)] = nowMs();
    branch = `z9hG4bKbn${n}`;
  } else {
    branch = `z9hG4bKin${other++}`;
  }
  const retransmit = !counted;
  const msg =
    `NOTIFY ${d.requestUri} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch}\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: <sip:${d.user}@${DOMAIN}>;tag=${d.ourTag}\r\n` +
    `To: <${d.watcherUri}>;tag=${d.watcherTag}\r\n` +
    `Call-ID: ${d.callId}\r\n` +
    `CSeq: ${++d.cseq} NOTIFY\r\n` +
    `Contact: <sip:pbx@127.0.0.1:${port}>\r\n` +
    `Event: ${d.event}\r\n` +
    `Subscription-State: ${state}\r\n` +
    (type ? `Content-Type: ${type}\r\n` : "") +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const data = Buffer.from(msg, "latin1");
  if (retransmit) unanswered.set(branch, { msg: data, port: d.port, address: d.address, sentAt: Date.now(), tries: 0 });
  socket?.send(data, d.port, d.address);
}

/** Re-sends unanswered initial NOTIFYs every 500 ms, up to 10 times. */
function retransmitUnanswered(): void {
  const now = Date.now();
  for (const [branch, u] of unanswered) {
    if (now - u.sentAt < 500) continue;
    if (u.tries >= 10) {
      unanswered.delete(branch);
      continue;
    }
    u.tries++;
    u.sentAt = now;
    socket?.send(u.msg, u.port, u.address);
  }
}

function send(text: string, toPort: number, toAddress: string): void {
  socket?.send(Buffer.from(text, "latin1"), toPort, toAddress);
}

/** The in-dialog NOTIFY of one step for dialog `d`, stamped with the intended send time. */
function stepNotify(d: Dialog, scheduled: number): void {
  // Stamps carry whole microseconds; keep exactly what the consoles will read back.
  const intended = Math.round(scheduled * 1000) / 1000;
  const s = stamp(intended);
  d.step++;
  if (d.event === "presence") {
    lastRich[d.index] = intended;
    notify(d, "active;expires=3000", "application/pidf+xml", pidfBody(d.user, DOMAIN, d.step, `Bench ${s}`), true);
  } else {
    lastTel[d.index] = intended;
    notify(d, "active;expires=3000", "application/dialog-info+xml", dialogInfoBody(d.user, DOMAIN, d.version++, d.step, `sip:${s}@bench.invalid`), true);
  }
}

async function runStep(args: { rate: number; seconds: number; graceMs?: number }): Promise<StepResult> {
  if (dialogs.length === 0) throw new Error("no dialogs to notify");
  const { rate, seconds } = args;
  const total = Math.round(rate * seconds);
  counters.answered = 0;
  counters.refused = {};
  rtts = [];
  stepFirstSeq = seq;
  const lags: number[] = [];
  let sent = 0;
  let next = Math.floor(Math.random() * dialogs.length);
  const t0 = nowMs() + 5;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = nowMs();
      const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      if (due > sent) lags.push(now - (t0 + ((due - 1) * 1000) / rate));
      while (sent < due) {
        stepNotify(dialogs[next]!, t0 + (sent * 1000) / rate);
        next = next + 1 === dialogs.length ? 0 : next + 1;
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  const endedAt = nowMs();
  const graceEnd = endedAt + (args.graceMs ?? 3000);
  while (counters.answered + Object.values(counters.refused).reduce((a, b) => a + b, 0) < sent && nowMs() < graceEnd) await sleep(20);
  const lagSummary = summarize(lags);
  return {
    rate,
    seconds,
    sent,
    answered: counters.answered,
    refused: { ...counters.refused },
    lagP99Ms: lagSummary.p99,
    lagMaxMs: lagSummary.max,
    rtt: summarize(rtts),
    startedAt: t0,
    endedAt,
  };
}

serveIpc({
  async start(args: { port: number; users: number; preset?: { address: string; port: number } }) {
    port = args.port;
    lastRich = new Float64Array(args.users);
    lastTel = new Float64Array(args.users);
    const s = createSocket({ type: "udp4", recvBufferSize: 8 * 1024 * 1024, sendBufferSize: 8 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.bind(port, "127.0.0.1", () => resolve());
    });
    s.on("message", onDatagram);
    s.on("error", () => {});
    socket = s;
    setInterval(retransmitUnanswered, 250).unref();
    if (args.preset) {
      // Baseline: dialogs the receiver never asked for; it answers whatever arrives.
      for (let i = 0; i < args.users; i++) {
        for (const event of ["dialog", "presence"] as const) {
          const user = event === "dialog" ? extension(i) : username(i);
          const d: Dialog = {
            callId: `${event}-${i}@bench`,
            watcherTag: `w${i}`,
            ourTag: `s${i}`,
            event,
            index: i,
            user,
            watcherUri: `sip:hub@127.0.0.1`,
            requestUri: `sip:hub@${args.preset.address}:${args.preset.port}`,
            address: args.preset.address,
            port: args.preset.port,
            cseq: 1,
            version: 1,
            step: 0,
          };
          dialogs.push(d);
          byCallId.set(d.callId, d);
        }
      }
    }
    return { port };
  },
  status() {
    return { dialogs: dialogs.length, subscribes: counters.subscribes, initialSent: counters.initialSent, initialAnswered: counters.initialAnswered, unanswered: unanswered.size };
  },
  step: runStep,
  lastStamps() {
    return { rich: lastRich, telephony: lastTel };
  },
  stop() {
    setTimeout(() => process.exit(0), 10);
    return null;
  },
});
emit("ready");
