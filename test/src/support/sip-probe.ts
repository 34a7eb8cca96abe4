/**
 * A tiny SIP client for readiness checks and fixture self-tests: send ONE request over UDP,
 * TCP or TLS and wait for its final response.
 *
 * It is deliberately independent of the product's SIP stack (plain string building, no
 * retransmissions, no dialogs), so a bug in the connector can never make the fixture look
 * healthy, and a broken fixture is reported as such.
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import net from "node:net";
import tls from "node:tls";

/** Transports the probe speaks. */
export type SipProbeTransport = "udp" | "tcp" | "tls";

/** What to send, and where. */
export interface SipProbeOptions {
  transport: SipProbeTransport;
  host: string;
  port: number;
  /** Method of the request. Default `OPTIONS`. */
  method?: string;
  /** Request-URI. Default `sip:HOST:PORT` (with `;transport=tcp|tls` when not UDP). */
  requestUri?: string;
  /** User part of the From URI. Default `probe`. */
  fromUser?: string;
  /** To URI. Default: the Request-URI. */
  toUri?: string;
  /** Extra header lines, e.g. `["Event: presence", "Expires: 0"]`. */
  headers?: readonly string[];
  /** Body; `Content-Type` must then be given in `headers`. */
  body?: string;
  /** How long to wait for a final response. Default 2000 ms. */
  timeoutMs?: number;
  /** PEM CA certificate(s) to verify a TLS server with. Without it TLS is not verified. */
  ca?: string;
}

/** The final response the probe received. */
export interface SipProbeResponse {
  /** Status code, e.g. 200. */
  status: number;
  /** Reason phrase, e.g. `OK`. */
  reason: string;
  /** Header fields in arrival order, names as received. */
  headers: ReadonlyArray<readonly [string, string]>;
  /** The complete response as text (headers and body). */
  raw: string;
  /** Time from sending to the final response. */
  elapsedMs: number;
}

/** Thrown when no final response arrives in time, or the connection fails. */
export class SipProbeError extends Error {
  override readonly name = "SipProbeError";
}

/**
 * Sends one SIP request and resolves with the first final (>= 200) response; provisional
 * responses are skipped. Rejects with {@link SipProbeError} on timeout or socket error.
 */
export async function sipRequest(options: SipProbeOptions): Promise<SipProbeResponse> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const started = Date.now();
  const where = `${options.transport.toUpperCase()} ${options.host}:${options.port}`;
  const build = (localPort: number): Buffer => Buffer.from(buildRequest(options, localPort), "utf8");
  const deadline = (reject: (e: Error) => void): NodeJS.Timeout =>
    setTimeout(() => reject(new SipProbeError(`no final SIP response from ${where} within ${timeoutMs} ms`)), timeoutMs);

  const raw = await (options.transport === "udp"
    ? sendUdp(options, build, deadline)
    : sendStream(options, build, deadline));
  const parsed = parseResponse(raw);
  return { ...parsed, raw, elapsedMs: Date.now() - started };
}

/** Sends an OPTIONS request (see {@link sipRequest}); the usual "is it up?" check. */
export function sipOptions(options: Omit<SipProbeOptions, "method">): Promise<SipProbeResponse> {
  return sipRequest({ ...options, method: "OPTIONS" });
}

function buildRequest(o: SipProbeOptions, localPort: number): string {
  const method = o.method ?? "OPTIONS";
  const tag = randomBytes(6).toString("hex");
  const branch = `z9hG4bK${randomBytes(8).toString("hex")}`;
  const ruri = o.requestUri ?? `sip:${o.host}:${o.port}${o.transport === "udp" ? "" : `;transport=${o.transport}`}`;
  const body = o.body ?? "";
  const lines = [
    `${method} ${ruri} SIP/2.0`,
    `Via: SIP/2.0/${o.transport.toUpperCase()} 127.0.0.1:${localPort};branch=${branch};rport`,
    "Max-Forwards: 70",
    `From: <sip:${o.fromUser ?? "probe"}@127.0.0.1>;tag=${tag}`,
    `To: <${o.toUri ?? ruri}>`,
    `Call-ID: probe-${tag}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:${o.fromUser ?? "probe"}@127.0.0.1:${localPort}${o.transport === "udp" ? "" : `;transport=${o.transport}`}>`,
    "User-Agent: presence-hub-sip-probe",
    ...(o.headers ?? []),
    `Content-Length: ${Buffer.byteLength(body, "utf8")}`,
    "",
    body,
  ];
  return lines.join("\r\n");
}

type Build = (localPort: number) => Buffer;
type Deadline = (reject: (e: Error) => void) => NodeJS.Timeout;

function sendUdp(o: SipProbeOptions, build: Build, deadline: Deadline): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null, text?: string): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(text ?? "");
    };
    timer = deadline((e) => finish(e));
    socket.on("error", (e) => finish(new SipProbeError(`UDP ${o.host}:${o.port}: ${e.message}`)));
    socket.on("message", (msg) => {
      const text = msg.toString("utf8");
      if (isFinalResponse(text)) finish(null, text);
    });
    socket.bind(0, "127.0.0.1", () => {
      socket.send(build(socket.address().port), o.port, o.host);
    });
  });
}

function sendStream(o: SipProbeOptions, build: Build, deadline: Deadline): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const onConnect = (): void => {
      socket.write(build(socket.localPort ?? 0));
    };
    const socket: net.Socket =
      o.transport === "tls"
        ? tls.connect(
            // Without a CA the probe only checks that TLS is spoken, not who speaks it.
            { host: o.host, port: o.port, ca: o.ca, rejectUnauthorized: o.ca !== undefined },
            onConnect,
          )
        : net.connect({ host: o.host, port: o.port }, onConnect);
    const finish = (err: Error | null, text?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(text ?? "");
    };
    timer = deadline((e) => finish(e));
    socket.on("error", (e) => finish(new SipProbeError(`${o.transport.toUpperCase()} ${o.host}:${o.port}: ${e.message}`)));
    socket.on("close", () => finish(new SipProbeError(`${o.transport.toUpperCase()} ${o.host}:${o.port}: connection closed before a final response`)));
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      // Stream framing: header block, then Content-Length bytes of body.
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString("utf8");
        const m = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head);
        const total = end + 4 + (m ? Number(m[1]) : 0);
        if (buffer.length < total) return;
        const text = buffer.subarray(0, total).toString("utf8");
        buffer = buffer.subarray(total);
        if (isFinalResponse(text)) {
          finish(null, text);
          return;
        }
      }
    });
  });
}

function isFinalResponse(text: string): boolean {
  const m = /^SIP\/2\.0 (\d{3})/.exec(text);
  return m !== null && Number(m[1]) >= 200;
}

function parseResponse(raw: string): Omit<SipProbeResponse, "raw" | "elapsedMs"> {
  const headEnd = raw.indexOf("\r\n\r\n");
  const lines = (headEnd >= 0 ? raw.slice(0, headEnd) : raw).split("\r\n");
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(lines[0] ?? "");
  if (!m) throw new SipProbeError(`not a SIP response: ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
  const headers: Array<readonly [string, string]> = [];
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()] as const);
  }
  return { status: Number(m[1]), reason: m[2] ?? "", headers };
}
