/**
 * A deliberately minimal SIP reader/writer for the load generator and the baseline receiver:
 * split head and body, one pass over the header lines, no validation. Written separately from
 * the product's wire layer, so the benchmark never measures the product against itself.
 */

/** One received message, headers by lower-case full name. */
export interface MiniMessage {
  /** `NOTIFY sip:… SIP/2.0` or `SIP/2.0 200 OK`. */
  readonly start: string;
  readonly headers: Map<string, string[]>;
  readonly body: string;
}

const COMPACT: Readonly<Record<string, string>> = { i: "call-id", f: "from", t: "to", v: "via", o: "event", m: "contact", l: "content-length", c: "content-type" };

/** Splits a datagram into start line, headers and body. */
export function parseMini(text: string): MiniMessage {
  const end = text.indexOf("\r\n\r\n");
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? "" : text.slice(end + 4);
  const lines = head.split("\r\n");
  const headers = new Map<string, string[]>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const value = line.slice(colon + 1).trim();
    const list = headers.get(name);
    if (list) list.push(value);
    else headers.set(name, [value]);
  }
  return { start: lines[0] ?? "", headers, body };
}

/** The first value of a header, or "". */
export function header(m: MiniMessage, name: string): string {
  return m.headers.get(name)?.[0] ?? "";
}

/** A `tag=` parameter of a From/To value, or "". */
export function tagOf(value: string): string {
  const i = value.indexOf(";tag=");
  if (i < 0) return "";
  const rest = value.slice(i + 5);
  const j = rest.search(/[;\s>]/);
  return j < 0 ? rest : rest.slice(0, j);
}

/** The URI inside `<…>` of a name-addr, or the value itself. */
export function uriOf(value: string): string {
  const a = value.indexOf("<");
  const b = value.indexOf(">", a);
  return a >= 0 && b > a ? value.slice(a + 1, b) : value.split(";")[0]!.trim();
}

/** A response to `request`, echoing Via, From, To (with `toTag` added if it has none), Call-ID and CSeq. */
export function response(request: MiniMessage, status: number, reason: string, toTag: string | null, extra: readonly string[] = []): string {
  const to = header(request, "to");
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const v of request.headers.get("via") ?? []) lines.push(`Via: ${v}`);
  lines.push(`From: ${header(request, "from")}`);
  lines.push(`To: ${toTag && !to.includes(";tag=") ? `${to};tag=${toTag}` : to}`);
  lines.push(`Call-ID: ${header(request, "call-id")}`);
  lines.push(`CSeq: ${header(request, "cseq")}`);
  lines.push(...extra);
  lines.push("Content-Length: 0", "", "");
  return lines.join("\r\n");
}

/** A send timestamp in a form that survives XML, URIs and JSON: `ts` + epoch microseconds. */
export function stamp(epochMs: number): string {
  return `ts${Math.round(epochMs * 1000)}`;
}

const STAMP = /ts(\d{13,17})/;

/** The epoch milliseconds of a {@link stamp} inside `text`, or null. */
export function readStamp(text: string | null | undefined): number | null {
  if (!text) return null;
  const m = STAMP.exec(text);
  return m ? Number(m[1]) / 1000 : null;
}

const ACTIVITIES = ["", "away", "busy", "on-the-phone"] as const;

/**
 * A realistic PIDF+RPID body (~600 B, like the measurements' fixture): one tuple, a person with
 * an activity and a note carrying the send stamp. `step` cycles the activity so the shown
 * status changes too.
 */
export function pidfBody(user: string, domain: string, step: number, note: string): string {
  const activity = ACTIVITIES[step % ACTIVITIES.length]!;
  const basic = step % 7 === 6 ? "closed" : "open";
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\r\n` +
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:${user}@${domain}">\r\n` +
    `<tuple id="t-${user}"><status><basic>${basic}</basic></status><contact priority="0.8">sip:${user}@${domain}</contact><timestamp>2026-11-25T12:00:00Z</timestamp></tuple>\r\n` +
    `<dm:person id="p-${user}">` +
    (activity ? `<rpid:activities><rpid:${activity}/></rpid:activities>` : "") +
    `<rpid:place-type><rpid:office/></rpid:place-type><dm:note>${note}</dm:note></dm:person>\r\n</presence>\r\n`
  );
}

/**
 * A realistic dialog-info body (~850 B): one dialog with ids, tags, local and remote identity and
 * target; the remote identity carries the send stamp. `step` alternates early/confirmed.
 */
export function dialogInfoBody(extension: string, domain: string, version: number, step: number, remote: string): string {
  const state = step % 2 === 0 ? "early" : "confirmed";
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\r\n` +
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="sip:${extension}@${domain}">\r\n` +
    `<dialog id="d${extension}-${step & 1023}" call-id="c${step}-${extension}@pbx.bench.invalid" local-tag="lt${extension}" remote-tag="rt${step & 1023}" direction="recipient">` +
    `<state>${state}</state><duration>${step % 600}</duration>` +
    `<local><identity display="Extension ${extension}">sip:${extension}@${domain}</identity><target uri="sip:${extension}@192.0.2.20:5060;transport=udp"/></local>` +
    `<remote><identity display="Caller">${remote}</identity><target uri="sip:caller@192.0.2.30:5060"/></remote>` +
    `</dialog>\r\n</dialog-info>\r\n`
  );
}
