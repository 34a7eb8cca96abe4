import { randomBytes } from "node:crypto";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";

/** Rich state a simulated user publishes. */
export type SimRich = { readonly basic: "open" | "closed"; readonly activity?: "away" | "busy" | "on-the-phone"; readonly note?: string };
/** Line state of a simulated phone. */
export type SimLine = "idle" | "ringing" | "talking";

interface Subscription {
  readonly callId: string;
  readonly watcherTag: string;
  readonly ourTag: string;
  readonly event: "presence" | "dialog";
  readonly user: string;
  readonly watcherUri: string;
  readonly remote: RemoteInfo;
  cseq: number;
  expiresAt: number;
  version: number;
}

/**
 * A simulated PBX with a presence server, speaking real SIP over UDP on loopback: it accepts
 * SUBSCRIBEs for `Event: presence` (PIDF with RPID) and `Event: dialog` (dialog-info), answers
 * 200, and sends NOTIFYs when the simulated users' states change. Deliberately small and written
 * separately from the hub's SIP stack (its own message building and parsing), so the demo
 * exercises the connector as a real server would. No authentication (a trusted trunk).
 */
export class SimPresenceServer {
  private socket: Socket | null = null;
  private readonly subs = new Map<string, Subscription>();
  private readonly rich = new Map<string, SimRich>();
  private readonly lines = new Map<string, { state: SimLine; remote?: string; direction?: "initiator" | "recipient" }>();
  /** SUBSCRIBEs and NOTIFYs handled (for progress output and tests). */
  readonly stats = { subscribes: 0, notifies: 0 };

  constructor(
    readonly port: number,
    readonly domain = "127.0.0.1",
  ) {}

  async start(): Promise<void> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(this.port, "127.0.0.1", () => resolve());
    });
    socket.on("message", (data, remote) => this.onMessage(data.toString("utf8"), remote));
    socket.on("error", () => {});
    this.socket = socket;
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Sets a user's rich presence and notifies its watchers. */
  setRich(user: string, state: SimRich): void {
    this.rich.set(user, state);
    for (const sub of this.subs.values()) if (sub.event === "presence" && sub.user === user) this.notify(sub);
  }

  /** Sets a phone's line state and notifies its watchers. */
  setLine(extension: string, state: SimLine, remote?: string, direction: "initiator" | "recipient" = "recipient"): void {
    this.lines.set(extension, { state, remote, direction });
    for (const sub of this.subs.values()) if (sub.event === "dialog" && sub.user === extension) this.notify(sub);
  }

  /** A phone's current line state. */
  line(extension: string): SimLine {
    return this.lines.get(extension)?.state ?? "idle";
  }

  /** The other party of a phone's current call, if any. */
  remote(extension: string): string | undefined {
    return this.lines.get(extension)?.remote;
  }

  get subscriptions(): number {
    return this.subs.size;
  }

  private onMessage(text: string, remote: RemoteInfo): void {
    const head = text.split("\r\n\r\n")[0] ?? "";
    const [start, ...lines] = head.split("\r\n");
    if (!start || start.startsWith("SIP/2.0")) return; // responses to our NOTIFYs: nothing to do
    const [method, uri] = start.split(" ");
    const headers = new Map<string, string[]>();
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = expand(line.slice(0, colon).trim().toLowerCase());
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    const one = (n: string) => headers.get(n)?.[0] ?? "";
    if (method !== "SUBSCRIBE") {
      return this.send(response(405, "Method Not Allowed", headers, `${this.port}`, null, ["Allow: SUBSCRIBE"]), remote);
    }
    this.stats.subscribes++;
    const event = one("event").split(";")[0]!.trim() as "presence" | "dialog";
    if (event !== "presence" && event !== "dialog") return this.send(response(489, "Bad Event", headers, `${this.port}`, null, []), remote);
    const callId = one("call-id");
    const expires = Math.min(3600, Number(one("expires") || 600));
    const existing = this.subs.get(callId);
    const ourTag = existing?.ourTag ?? randomBytes(6).toString("hex");
    this.send(response(200, "OK", headers, `${this.port}`, ourTag, [`Expires: ${expires}`, `Contact: <sip:pbx@127.0.0.1:${this.port}>`]), remote);
    const user = /^sips?:([^@;>]+)@/.exec(uri ?? "")?.[1] ?? "";
    const sub: Subscription = existing ?? {
      callId,
      watcherTag: /;\s*tag=([^;\s]+)/.exec(one("from"))?.[1] ?? "",
      ourTag,
      event,
      user,
      watcherUri: /<([^>]+)>/.exec(one("from"))?.[1] ?? one("from"),
      remote,
      cseq: 0,
      expiresAt: 0,
      version: 0,
    };
    sub.expiresAt = Date.now() + expires * 1000;
    if (expires === 0) {
      this.subs.delete(callId);
      this.notify(sub, "terminated;reason=timeout");
      return;
    }
    this.subs.set(callId, sub);
    this.notify(sub);
  }

  private notify(sub: Subscription, state?: string): void {
    const remaining = Math.max(0, Math.round((sub.expiresAt - Date.now()) / 1000));
    let type = "";
    let body = "";
    if (sub.event === "presence") {
      const r = this.rich.get(sub.user) ?? { basic: "open" };
      type = "application/pidf+xml";
      body =
        `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:${sub.user}@${this.domain}">` +
        `<tuple id="t1"><status><basic>${r.basic}</basic></status></tuple>` +
        `<dm:person id="p1">${r.activity ? `<rpid:activities><rpid:${r.activity}/></rpid:activities>` : ""}${r.note ? `<dm:note>${escapeXml(r.note)}</dm:note>` : ""}</dm:person></presence>`;
    } else {
      const l = this.lines.get(sub.user) ?? { state: "idle" as SimLine };
      type = "application/dialog-info+xml";
      const dialog =
        l.state === "idle"
          ? ""
          : `<dialog id="d-${sub.user}" direction="${l.direction ?? "recipient"}"><state>${l.state === "ringing" ? "early" : "confirmed"}</state>${l.remote ? `<remote><identity>${escapeXml(l.remote)}</identity></remote>` : ""}</dialog>`;
      body = `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${sub.version++}" state="full" entity="sip:${sub.user}@${this.domain}">${dialog}</dialog-info>`;
    }
    const bytes = Buffer.byteLength(body);
    const msg = [
      `NOTIFY ${sub.watcherUri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${randomBytes(8).toString("hex")}`,
      "Max-Forwards: 70",
      `From: <sip:${sub.user}@${this.domain}>;tag=${sub.ourTag}`,
      `To: <${sub.watcherUri}>;tag=${sub.watcherTag}`,
      `Call-ID: ${sub.callId}`,
      `CSeq: ${++sub.cseq} NOTIFY`,
      `Contact: <sip:pbx@127.0.0.1:${this.port}>`,
      `Event: ${sub.event}`,
      `Subscription-State: ${state ?? `active;expires=${remaining}`}`,
      `Content-Type: ${type}`,
      `Content-Length: ${bytes}`,
      "",
      body,
    ].join("\r\n");
    this.stats.notifies++;
    this.send(msg, sub.remote);
  }

  private send(text: string, to: RemoteInfo): void {
    this.socket?.send(Buffer.from(text, "utf8"), to.port, to.address);
  }
}

const COMPACT: Record<string, string> = { i: "call-id", f: "from", t: "to", v: "via", o: "event", m: "contact", l: "content-length", c: "content-type" };
function expand(name: string): string {
  return COMPACT[name] ?? name;
}

function response(status: number, reason: string, headers: Map<string, string[]>, port: string, toTag: string | null, extra: string[]): string {
  const to = headers.get("to")?.[0] ?? "";
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...(headers.get("via") ?? []).map((v) => `Via: ${v}`),
    `From: ${headers.get("from")?.[0] ?? ""}`,
    `To: ${toTag && !/;\s*tag=/.test(to) ? `${to};tag=${toTag}` : to}`,
    `Call-ID: ${headers.get("call-id")?.[0] ?? ""}`,
    `CSeq: ${headers.get("cseq")?.[0] ?? ""}`,
    ...extra,
    `Server: presence-hub-demo-pbx/${port}`,
    "Content-Length: 0",
    "",
    "",
  ];
  return lines.join("\r\n");
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}
