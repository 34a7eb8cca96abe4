/**
 * The cold-start baseline: a bare watcher that subscribes one resource list over TCP (digest
 * MD5, qop=auth), answers every NOTIFY 200 and counts the list members whose state has arrived
 * (an active `<instance>` with a body). It measures how fast the server itself delivers the full
 * state of the list, with no hub behind it.
 */
import { createHash, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { emit, serveIpc } from "../lib/proc.js";
import { header, parseMini, response, type MiniMessage } from "../lib/mini-sip.js";
import { nowMs, sleep } from "../lib/stats.js";

const RESOURCE = /<(?:\w+:)?resource\b[^>]*\buri="([^"]+)"[^>]*>([\s\S]*?)<\/(?:\w+:)?resource>/g;
const ACTIVE_WITH_BODY = /<(?:\w+:)?instance\b(?=[^>]*\bstate="active")(?=[^>]*\bcid=)[^>]*>/;

serveIpc({
  async subscribe(args: { host: string; port: number; list: string; user: string; password: string; members: number; timeoutMs: number }) {
    const known = new Set<string>();
    const socket: Socket = await new Promise((resolve, reject) => {
      const s = connect(args.port, args.host, () => resolve(s));
      s.once("error", reject);
    });
    const local = `${socket.localAddress}:${socket.localPort}`;
    const callId = `${randomBytes(8).toString("hex")}@bench`;
    const fromTag = randomBytes(4).toString("hex");
    let cseq = 0;
    const subscribe = (authorization?: string): void => {
      cseq++;
      const lines = [
        `SUBSCRIBE ${args.list} SIP/2.0`,
        `Via: SIP/2.0/TCP ${local};branch=z9hG4bK${randomBytes(6).toString("hex")}`,
        "Max-Forwards: 70",
        `From: <sip:${args.user}@${args.host}>;tag=${fromTag}`,
        `To: <${args.list}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} SUBSCRIBE`,
        `Contact: <sip:${args.user}@${local};transport=tcp>`,
        "Event: presence",
        "Expires: 600",
        "Supported: eventlist",
        "Accept: multipart/related, application/rlmi+xml, application/pidf+xml",
        ...(authorization ? [`Authorization: ${authorization}`] : []),
        "Content-Length: 0",
        "",
        "",
      ];
      socket.write(lines.join("\r\n"));
    };
    const started = nowMs();
    let doneAt: number | null = null;
    // When the last member so far arrived: what a run that falls a few members short still tells.
    let lastAt: number | null = null;
    let notifies = 0;
    let pending: Buffer = Buffer.alloc(0);
    const onMessage = (m: MiniMessage): void => {
      if (m.start.startsWith("SIP/2.0 401")) {
        const challenge = header(m, "www-authenticate");
        subscribe(digest(challenge, "SUBSCRIBE", args.list, args.user, args.password));
        return;
      }
      if (!m.start.startsWith("NOTIFY")) return;
      notifies++;
      socket.write(response(m, 200, "OK", null));
      const before = known.size;
      for (const match of m.body.matchAll(RESOURCE)) if (ACTIVE_WITH_BODY.test(match[2]!)) known.add(match[1]!);
      if (known.size > before) lastAt = nowMs();
      if (doneAt === null && known.size >= args.members) doneAt = nowMs();
    };
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = pending.subarray(0, end).toString("latin1");
        const length = Number(/\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(`\r\n${head}`)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        const text = pending.subarray(0, end + 4 + length).toString("utf8");
        pending = pending.subarray(end + 4 + length);
        onMessage(parseMini(text));
      }
    });
    subscribe();
    const deadline = Date.now() + args.timeoutMs;
    while (doneAt === null && Date.now() < deadline) await sleep(10);
    socket.destroy();
    return { ms: doneAt === null ? null : doneAt - started, lastMs: lastAt === null ? null : lastAt - started, known: known.size, notifies };
  },
  stop() {
    setTimeout(() => process.exit(0), 10);
    return null;
  },
});
emit("ready");

/** An RFC 2617 MD5 digest answer (qop=auth when offered). */
function digest(challenge: string, method: string, uri: string, user: string, password: string): string {
  const p = (name: string): string | undefined => new RegExp(`${name}="?([^",]+)"?`, "i").exec(challenge)?.[1];
  const realm = p("realm") ?? "";
  const nonce = p("nonce") ?? "";
  const qop = p("qop")?.split(/\s*,\s*/).includes("auth") ? "auth" : undefined;
  const md5 = (s: string): string => createHash("md5").update(s).digest("hex");
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const cnonce = randomBytes(4).toString("hex");
  const nc = "00000001";
  const answer = qop ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${answer}", algorithm=MD5${qop ? `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"` : ""}`;
}
