/**
 * Reading SIPp message traces (`-trace_msg`): every SIP message a SIPp run sent or received,
 * as structured records a test can assert on. SIPp flushes the trace after each message, so
 * the file can be read while the run is still going (see `SippRun.waitFor`).
 *
 * Trace format (SIPp 3.6): a separator line of dashes plus a timestamp, then
 * `UDP message sent (447 bytes):` or `TCP message received [433] bytes :`, an empty line and
 * exactly that many bytes of the raw message.
 */
import { existsSync, readFileSync } from "node:fs";

/** One SIP message from a SIPp trace. */
export interface SipTraceMessage {
  /** Timestamp as SIPp wrote it, e.g. `2026-11-25 14:02:11.323499`. */
  readonly at: string;
  readonly direction: "sent" | "received";
  /** `UDP` or `TCP` (as SIPp names it). */
  readonly transport: string;
  /** First line, e.g. `NOTIFY sip:hub@127.0.0.1:25090 SIP/2.0` or `SIP/2.0 200 OK`. */
  readonly startLine: string;
  /** Request method; undefined for responses. */
  readonly method: string | undefined;
  /** Response status code; undefined for requests. */
  readonly status: number | undefined;
  /** Header fields in order, names as on the wire. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Body (Content-Length bytes), decoded as UTF-8. */
  readonly body: string;
  /** The whole message as text. */
  readonly raw: string;
}

/** Compact header forms (RFC 3261 §7.3.3, RFC 3265 `o`/`u`). */
const COMPACT: Record<string, string> = {
  i: "call-id", m: "contact", e: "content-encoding", l: "content-length", c: "content-type",
  f: "from", s: "subject", k: "supported", t: "to", v: "via", o: "event", u: "allow-events",
};

function canonical(name: string): string {
  const n = name.toLowerCase();
  return COMPACT[n] ?? n;
}

/** First value of a header (case-insensitive, compact forms understood), or undefined. */
export function sipHeader(msg: Pick<SipTraceMessage, "headers">, name: string): string | undefined {
  const want = canonical(name);
  return msg.headers.find(([n]) => canonical(n) === want)?.[1];
}

/** All values of a header, in order. */
export function sipHeaders(msg: Pick<SipTraceMessage, "headers">, name: string): string[] {
  const want = canonical(name);
  return msg.headers.filter(([n]) => canonical(n) === want).map(([, v]) => v);
}

const ENTRY = /^-{20,} (\S+ \S+)\n(\w+) message (sent|received) (?:\((\d+) bytes\)|\[(\d+)\] bytes ):\n\n/gm;

/** Parses the contents of a SIPp `-trace_msg` file. */
export function parseSippTrace(data: Buffer | string): SipTraceMessage[] {
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  // latin1 maps bytes 1:1 to characters, so regex indexes are byte offsets.
  const text = buf.toString("latin1");
  const out: SipTraceMessage[] = [];
  ENTRY.lastIndex = 0;
  for (let m = ENTRY.exec(text); m !== null; m = ENTRY.exec(text)) {
    const size = Number(m[4] ?? m[5]);
    const start = m.index + m[0].length;
    const end = Math.min(buf.length, start + size);
    const raw = buf.subarray(start, end).toString("utf8");
    out.push(parseSipMessage(raw, { at: m[1] ?? "", transport: m[2] ?? "", direction: m[3] === "sent" ? "sent" : "received" }));
    ENTRY.lastIndex = end;
  }
  return out;
}

/** Reads and parses a trace file; an absent file is an empty trace. */
export function readSippTrace(file: string): SipTraceMessage[] {
  return existsSync(file) ? parseSippTrace(readFileSync(file)) : [];
}

/** Parses one raw SIP message (CRLF or LF line ends). */
export function parseSipMessage(
  raw: string,
  meta: { at: string; transport: string; direction: "sent" | "received" } = { at: "", transport: "", direction: "received" },
): SipTraceMessage {
  const sep = /\r?\n\r?\n/.exec(raw);
  const head = sep ? raw.slice(0, sep.index) : raw;
  let body = sep ? raw.slice(sep.index + sep[0].length) : "";
  const lines = head.split(/\r?\n/);
  const startLine = lines[0] ?? "";
  const headers: Array<readonly [string, string]> = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      // folded continuation line
      const [n, v] = headers[headers.length - 1] as readonly [string, string];
      headers[headers.length - 1] = [n, `${v} ${line.trim()}`] as const;
      continue;
    }
    const i = line.indexOf(":");
    if (i > 0) headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()] as const);
  }
  const msg = { headers };
  const cl = sipHeader(msg, "Content-Length");
  if (cl !== undefined && /^\d+$/.test(cl)) {
    body = Buffer.from(body, "utf8").subarray(0, Number(cl)).toString("utf8");
  }
  const response = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  return {
    ...meta,
    startLine,
    method: response ? undefined : startLine.split(" ")[0],
    status: response ? Number(response[1]) : undefined,
    headers,
    body,
    raw,
  };
}

/** Received requests of one method (e.g. the NOTIFYs a watcher got), in order. */
export function receivedRequests(messages: readonly SipTraceMessage[], method: string): SipTraceMessage[] {
  return messages.filter((m) => m.direction === "received" && m.method === method);
}

/** Received responses (status codes with their CSeq), in order. */
export function receivedResponses(messages: readonly SipTraceMessage[]): SipTraceMessage[] {
  return messages.filter((m) => m.direction === "received" && m.status !== undefined);
}

/** One part of a multipart body. */
export interface SipBodyPart {
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly contentType: string | undefined;
  readonly body: string;
}

/**
 * Splits a multipart body (RLS NOTIFYs are `multipart/related` with an RLMI root part and one
 * part per resource). Returns [] when the message is not multipart.
 */
export function multipartParts(msg: Pick<SipTraceMessage, "headers" | "body">): SipBodyPart[] {
  const ct = sipHeader(msg, "Content-Type") ?? "";
  if (!/^multipart\//i.test(ct)) return [];
  const b = /boundary="?([^";]+)"?/i.exec(ct)?.[1];
  if (!b) return [];
  const parts: SipBodyPart[] = [];
  const chunks = msg.body.split(`--${b}`);
  // chunks[0] is the preamble; the chunk after the last delimiter starts with "--"
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith("--")) break;
    const part = parseSipMessage(`X${chunk.replace(/^\r?\n/, "\r\n")}`);
    parts.push({ headers: part.headers, contentType: sipHeader(part, "Content-Type"), body: part.body.replace(/\r?\n$/, "") });
  }
  return parts;
}
