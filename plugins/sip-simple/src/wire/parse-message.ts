/**
 * The SIP message parser: one Buffer (a UDP datagram, or one message cut out of a TCP/TLS
 * stream by {@link StreamFramer}) in, a typed {@link SipMessage} or a typed rejection out.
 *
 * Hand-written because sip.js's parser costs ~1.3 ms per NOTIFY and counts Content-Length in
 * UTF-16 units (sip-stack-evaluation §2, performance-measurements §2b). This one works on
 * bytes for framing (headers end at the first empty line; the body is exactly Content-Length
 * OCTETS) and decodes only the header block as text.
 *
 * It never throws: every failure, including a bug in a header parser, comes back as
 * `{ ok: false, error }` with enough information to decide between answering (400/505/513)
 * and dropping.
 */
import { parseCSeq, type CSeq } from "./cseq.js";
import { parseContact, parseNameAddr, parseNameAddrList, type NameAddr } from "./name-addr.js";
import { parseSipDate } from "./scalar-headers.js";
import { SipHeaders } from "./sip-headers.js";
import { SipRequest, SipResponse, type SipMessage } from "./sip-message.js";
import { SipSyntaxError, isToken, isWs, parseUint32, trimWs } from "./syntax.js";
import { parseVia, type Via } from "./via.js";

/** Limits and strictness for {@link parseMessage}. */
export interface ParseOptions {
  /** Largest start line + header block, in bytes, before the message is refused (513). Default 65536. */
  readonly maxHeaderBytes?: number;
  /** Largest body, in bytes (Content-Length), before the message is refused (513). Default 4 MiB. */
  readonly maxBodyBytes?: number;
  /**
   * Refuse a message whose Date header is not an RFC 1123 GMT date. Default false: RFC 4475
   * §3.1.2.12 lets an element that does not use Date ignore it, and a presence watcher does
   * not; refusing would let one odd PBX clock format kill every subscription.
   */
  readonly rejectBadDate?: boolean;
}

/** Default for {@link ParseOptions.maxHeaderBytes}. */
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
/** Default for {@link ParseOptions.maxBodyBytes}. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Why a message was refused. */
export type SipParseErrorCode =
  /** Nothing but CR/LF: a keep-alive datagram, not an error to answer. */
  | "empty"
  /** Header block or body larger than the configured limit. */
  | "too-large"
  /** No empty line ends the header block (truncated datagram). */
  | "incomplete"
  /** Malformed request or status line (RFC 4475 §3.1.2.7–10, §3.1.2.11, §3.1.2.19). */
  | "bad-start-line"
  /** SIP-Version other than SIP/2.0 (§3.1.2.16); requests get a 505. */
  | "bad-version"
  /** A header line without a colon, or a fold before the first header. */
  | "bad-header-line"
  /** To, From, Call-ID, CSeq, Via or (requests) Max-Forwards missing. */
  | "missing-header"
  /** A single-valued header repeated (To, From, Call-ID, CSeq, Max-Forwards, Content-Length). */
  | "duplicate-header"
  /** A header whose value is malformed (Via, From, To, Contact, Route, Max-Forwards, Date...). */
  | "bad-header"
  /** CSeq not `number method`, or number above 2^32-1 (§3.1.2.4, §3.1.2.5). */
  | "bad-cseq"
  /** CSeq method differs from the request method (§3.1.2.17, §3.1.2.18). */
  | "cseq-method-mismatch"
  /** Content-Length not a non-negative integer (§3.1.2.3). */
  | "bad-content-length"
  /** Fewer body bytes than Content-Length (§3.1.2.2; on UDP, RFC 3261 §18.3 says answer 400). */
  | "truncated-body"
  /** A parser bug: reported rather than thrown. */
  | "internal";

/** The parts of a refused request that are needed to answer it (see `createResponse`). */
export interface RequestHead {
  /** Method from the request line. */
  readonly method: string;
  /** Request-URI as on the request line. */
  readonly requestUri: string;
  /** The header fields as received. */
  readonly headers: SipHeaders;
}

/** A refused message: what went wrong and whether an answer is possible. */
export class SipParseError extends Error {
  /** Machine-readable cause. */
  readonly code: SipParseErrorCode;
  /** Short reason phrase suitable for the status line of the answer (`"Bad CSeq"`). */
  readonly reason: string;
  /** Status to answer with when {@link SipParseError.canRespond}: 400, 505 or 513. */
  readonly status: 400 | 505 | 513;
  /**
   * True when the message is a request with one each of To, From, Call-ID, CSeq and at least
   * one Via, so a stateless answer (RFC 3261 §8.2.6) can be built from {@link SipParseError.request}.
   * Responses are never answered: they are dropped.
   */
  readonly canRespond: boolean;
  /** The request line and headers, when the start line was a request line that parsed. */
  readonly request: RequestHead | undefined;

  /** @internal created by {@link parseMessage} */
  constructor(code: SipParseErrorCode, reason: string, detail: string, status: 400 | 505 | 513, request: RequestHead | undefined) {
    super(`${reason}: ${detail}`);
    this.name = "SipParseError";
    this.code = code;
    this.reason = reason;
    this.status = status;
    this.request = request;
    this.canRespond = request !== undefined && code !== "empty" && code !== "internal" && hasAnswerHeaders(request.headers);
  }
}

/** The result of {@link parseMessage}. */
export type ParseResult = { readonly ok: true; readonly message: SipMessage } | { readonly ok: false; readonly error: SipParseError };

function hasAnswerHeaders(h: SipHeaders): boolean {
  return h.has("via") && h.count("from") === 1 && h.count("to") === 1 && h.count("call-id") === 1 && h.count("cseq") === 1;
}

/** Thrown inside the parser and turned into a {@link SipParseError} at the top. */
class Refusal {
  constructor(
    readonly code: SipParseErrorCode,
    readonly reason: string,
    readonly detail: string,
    readonly status: 400 | 505 | 513 = 400,
  ) {}
}

/**
 * Parses one SIP message from `data`.
 *
 * Framing follows RFC 3261 §18.3 for datagrams: the body is exactly Content-Length bytes and
 * extra bytes after it are ignored (RFC 4475 §3.1.1.8); fewer bytes is an error; without
 * Content-Length the body runs to the end of the buffer. CR/LF before the start line is
 * skipped (§7.5). Lines may end in CRLF or bare LF; folded lines are unfolded into one space.
 */
export function parseMessage(data: Buffer, options: ParseOptions = {}): ParseResult {
  refusedHead = undefined;
  try {
    return { ok: true, message: parseOrRefuse(data, options) };
  } catch (e) {
    const head = refusedHead;
    refusedHead = undefined;
    if (e instanceof Refusal) return { ok: false, error: new SipParseError(e.code, e.reason, e.detail, e.status, head) };
    const detail = e instanceof Error ? e.message : String(e);
    return { ok: false, error: new SipParseError("internal", "Parser Error", detail, 400, undefined) };
  }
}

/**
 * The request line and headers of the message being parsed, kept aside so a refusal can carry
 * them. Module state instead of a callback: parsing is synchronous and this avoids a closure
 * per message.
 */
let refusedHead: RequestHead | undefined;

function parseOrRefuse(data: Buffer, options: ParseOptions): SipMessage {
  const maxHeader = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const n = data.length;

  let start = 0;
  while (start < n && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  if (start === n) throw new Refusal("empty", "Empty", "no start line (CRLF keep-alive?)");

  // Find the empty line that ends the header block, on bytes. The common CRLF case is one native
  // search; LF-only (or mixed) line ends fall back to a line-by-line scan.
  let headerEnd = -1;
  let bodyStart = n;
  const blank = data.indexOf(CRLFCRLF, start);
  if (blank >= 0 && blank + 2 - start <= maxHeader) {
    headerEnd = blank + 2;
    bodyStart = blank + 4;
  }
  let text = headerEnd < 0 ? "" : data.toString("utf8", start, headerEnd);
  if (headerEnd < 0 || text.indexOf("\n\n") >= 0 || text.indexOf("\n\r\n") >= 0) {
    headerEnd = -1;
    bodyStart = n;
    let lineStart = start;
    for (;;) {
      const lf = data.indexOf(0x0a, lineStart);
      if (lf < 0 || lf - start > maxHeader) break;
      const len = lf - lineStart;
      if (len === 0 || (len === 1 && data[lineStart] === 0x0d)) {
        headerEnd = lineStart;
        bodyStart = lf + 1;
        break;
      }
      lineStart = lf + 1;
    }
    if (headerEnd < 0 && n - start > maxHeader) {
      throw new Refusal("too-large", "Message Too Large", `header block exceeds ${maxHeader} bytes`, 513);
    }
    text = data.toString("utf8", start, headerEnd < 0 ? n : headerEnd);
  }

  // Start line.
  let eol = text.indexOf("\n");
  if (eol < 0) eol = text.length;
  const startLine = text.charCodeAt(eol - 1) === 0x0d ? text.slice(0, eol - 1) : text.slice(0, eol);
  let method: string | undefined;
  let requestUri = "";
  let status = 0;
  let reason = "";
  if (startLine.length >= 4 && startLine.slice(0, 4).toUpperCase() === "SIP/") {
    const sp = startLine.indexOf(" ");
    const version = sp < 0 ? startLine : startLine.slice(0, sp);
    if (version.toUpperCase() !== "SIP/2.0") throw new Refusal("bad-version", "Version Not Supported", `status line version ${version}`);
    const code = startLine.slice(sp + 1, sp + 4);
    // Exactly three digits, then SP and the (possibly empty) reason; a missing SP is tolerated.
    const more = startLine.length > sp + 4;
    if (sp < 0 || !isStatusCode(code) || (more && startLine.charCodeAt(sp + 4) !== 0x20)) {
      throw new Refusal("bad-start-line", "Bad Status Line", `bad status code in "${startLine}"`);
    }
    status = Number(code);
    reason = startLine.slice(sp + 5);
  } else {
    const parts = startLine.split(" ");
    try {
      if (parts.length !== 3 || parts[0]!.length === 0 || parts[1]!.length === 0) {
        throw new Refusal("bad-start-line", "Bad Request Line", `expected "Method SP Request-URI SP SIP-Version": "${startLine}"`);
      }
      const [m, uri, version] = parts as [string, string, string];
      if (!isToken(m)) throw new Refusal("bad-start-line", "Bad Request Line", `method "${m}" is not a token`);
      checkRequestUri(uri);
      method = m;
      requestUri = uri;
      if (version.toUpperCase() !== "SIP/2.0") {
        if (!/^SIP\/\d+\.\d+$/i.test(version)) throw new Refusal("bad-start-line", "Bad Request Line", `bad SIP-Version "${version}"`);
        throw new Refusal("bad-version", "Version Not Supported", `request version ${version}`, 505);
      }
    } catch (e) {
      // A malformed request line still deserves its 400 (RFC 4475 §3.1.2.7–11) when the headers
      // needed to answer are there: keep them with the refusal.
      try {
        refusedHead = { method: parts[0] ?? "", requestUri: parts[1] ?? "", headers: collectHeaders(text, eol + 1) };
      } catch {
        refusedHead = undefined;
      }
      throw e;
    }
  }

  const headers = collectHeaders(text, eol + 1);
  if (method !== undefined) refusedHead = { method, requestUri, headers };
  if (headerEnd < 0) throw new Refusal("incomplete", "Incomplete Message", "no empty line after the headers");

  // Single-valued and mandatory headers.
  let callId: string | undefined;
  let cseqRaw: string | undefined;
  let fromRaw: string | undefined;
  let toRaw: string | undefined;
  let maxForwardsRaw: string | undefined;
  let contentLengthRaw: string | undefined;
  let dateRaw: string | undefined;
  const viaLines: string[] = [];
  let contactLines: string[] | undefined;
  let routeLines: string[] | undefined;
  let recordRouteLines: string[] | undefined;
  for (let h = 0; h < headers.size; h++) {
    const value = headers.valueAt(h)!;
    switch (headers.keyAt(h)) {
      case "via":
        viaLines.push(value);
        break;
      case "call-id":
        callId = single(callId, value, "Call-ID");
        break;
      case "cseq":
        cseqRaw = single(cseqRaw, value, "CSeq");
        break;
      case "from":
        fromRaw = single(fromRaw, value, "From");
        break;
      case "to":
        toRaw = single(toRaw, value, "To");
        break;
      case "max-forwards":
        maxForwardsRaw = single(maxForwardsRaw, value, "Max-Forwards");
        break;
      case "content-length":
        contentLengthRaw = single(contentLengthRaw, value, "Content-Length");
        break;
      case "contact":
        (contactLines ??= []).push(value);
        break;
      case "route":
        (routeLines ??= []).push(value);
        break;
      case "record-route":
        (recordRouteLines ??= []).push(value);
        break;
      case "date":
        dateRaw = value;
        break;
    }
  }
  if (viaLines.length === 0) throw missing("Via");
  if (fromRaw === undefined) throw missing("From");
  if (toRaw === undefined) throw missing("To");
  if (callId === undefined) throw missing("Call-ID");
  if (cseqRaw === undefined) throw missing("CSeq");
  if (method !== undefined && maxForwardsRaw === undefined) throw missing("Max-Forwards");

  if (callId.length === 0 || hasWs(callId)) throw new Refusal("bad-header", "Bad Call-ID", `"${callId}"`);
  let cseq: CSeq;
  try {
    cseq = parseCSeq(cseqRaw);
  } catch (e) {
    throw new Refusal("bad-cseq", "Bad CSeq", describe(e));
  }
  if (method !== undefined && cseq.method !== method) {
    throw new Refusal("cseq-method-mismatch", "CSeq Method Mismatch", `request line says ${method}, CSeq says ${cseq.method}`);
  }
  let maxForwards: number | undefined;
  if (maxForwardsRaw !== undefined) {
    // RFC 4475 §3.1.2.4: a value above 255 may be processed; only non-digits are refused.
    if (maxForwardsRaw.length === 0 || maxForwardsRaw.length > 10 || !isDigits(maxForwardsRaw)) {
      throw new Refusal("bad-header", "Bad Max-Forwards", `"${maxForwardsRaw}"`);
    }
    maxForwards = Math.min(Number(maxForwardsRaw), 255);
  }

  // Structural checks of the address and Via headers (RFC 4475 §3.1.2.1, .6, .13–.15). One
  // try block and a label, not a closure per header: this runs for every message.
  const vias: Via[] = [];
  let from: NameAddr;
  let to: NameAddr;
  let contacts: readonly NameAddr[] | "*" | undefined;
  let routes = NO_ADDRS;
  let recordRoutes = NO_ADDRS;
  let checking = "Via";
  try {
    for (let v = 0; v < viaLines.length; v++) {
      const list = parseVia(viaLines[v]!);
      for (let k = 0; k < list.length; k++) vias.push(list[k]!);
    }
    checking = "From";
    from = parseNameAddr(fromRaw, "from");
    checking = "To";
    to = parseNameAddr(toRaw, "to");
    checking = "Contact";
    if (contactLines !== undefined) contacts = contactList(contactLines);
    checking = "Route";
    if (routeLines !== undefined) routes = nameAddrLines(routeLines, "route");
    checking = "Record-Route";
    if (recordRouteLines !== undefined) recordRoutes = nameAddrLines(recordRouteLines, "record-route");
    checking = "Date";
    if (options.rejectBadDate && dateRaw !== undefined) parseSipDate(dateRaw);
  } catch (e) {
    if (e instanceof SipSyntaxError) throw new Refusal("bad-header", `Bad ${checking}`, e.message);
    throw e;
  }

  // Body: exactly Content-Length octets.
  let contentLength: number | undefined;
  let bodyEnd = n;
  if (contentLengthRaw !== undefined) {
    contentLength = parseUint32(contentLengthRaw);
    if (contentLength < 0) throw new Refusal("bad-content-length", "Bad Content-Length", `"${contentLengthRaw}"`);
    if (contentLength > maxBody) throw new Refusal("too-large", "Message Too Large", `body of ${contentLength} bytes exceeds ${maxBody}`, 513);
    if (bodyStart + contentLength > n) {
      throw new Refusal("truncated-body", "Content-Length Mismatch", `Content-Length ${contentLength} but ${n - bodyStart} body bytes`);
    }
    bodyEnd = bodyStart + contentLength;
  } else if (n - bodyStart > maxBody) {
    throw new Refusal("too-large", "Message Too Large", `body exceeds ${maxBody} bytes`, 513);
  }

  const parts = {
    headers,
    body: data.subarray(bodyStart, bodyEnd),
    data,
    rawStart: start,
    rawEnd: bodyEnd,
    callId,
    cseq,
    vias,
    from,
    to,
    contacts,
    routes,
    recordRoutes,
    maxForwards,
    contentLength,
  };
  return method !== undefined ? new SipRequest(method, requestUri, parts) : new SipResponse(status, reason, parts);
}

const NO_ADDRS: readonly NameAddr[] = Object.freeze([]);
const CRLFCRLF = Buffer.from("\r\n\r\n");

/**
 * Splits the header block into fields: folds (lines starting with SP/HT) join the previous
 * value with one space; the name may be followed by whitespace before the colon.
 */
function collectHeaders(text: string, from: number): SipHeaders {
  const headers = new SipHeaders();
  const n = text.length;
  let name: string | undefined;
  let value = "";
  let i = from;
  while (i < n) {
    let eol = text.indexOf("\n", i);
    if (eol < 0) eol = n;
    const lineEnd = eol > i && text.charCodeAt(eol - 1) === 0x0d ? eol - 1 : eol;
    if (lineEnd > i) {
      const first = text.charCodeAt(i);
      if (isWs(first)) {
        if (name === undefined) throw new Refusal("bad-header-line", "Bad Header", "folded line before the first header");
        const more = trimWs(text.slice(i, lineEnd));
        if (more.length > 0) value = value.length > 0 ? `${value} ${more}` : more;
      } else {
        if (name !== undefined) headers.add(name, value);
        const colon = text.indexOf(":", i);
        if (colon < 0 || colon >= lineEnd) throw new Refusal("bad-header-line", "Bad Header", `no colon in "${text.slice(i, lineEnd)}"`);
        // Trim by index before slicing: one string per name and value, not two.
        let ne = colon;
        while (ne > i && isWs(text.charCodeAt(ne - 1))) ne--;
        name = text.slice(i, ne);
        if (!isToken(name)) throw new Refusal("bad-header-line", "Bad Header", `bad header name "${name}"`);
        let vs = colon + 1;
        let ve = lineEnd;
        while (vs < ve && isWs(text.charCodeAt(vs))) vs++;
        while (ve > vs && isWs(text.charCodeAt(ve - 1))) ve--;
        value = text.slice(vs, ve);
      }
    }
    i = eol + 1;
  }
  if (name !== undefined) headers.add(name, value);
  return headers;
}

function checkRequestUri(uri: string): void {
  const colon = uri.indexOf(":");
  const first = uri.charCodeAt(0) | 0x20;
  if (colon <= 0 || first < 0x61 || first > 0x7a || !isSchemeChars(uri, colon)) {
    throw new Refusal("bad-start-line", "Bad Request-URI", `"${uri}" is not an absolute URI`);
  }
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c < 0x21 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
      throw new Refusal("bad-start-line", "Bad Request-URI", `illegal character in "${uri}"`);
    }
  }
  // RFC 3261 §19.1.1 (table): a SIP Request-URI carries no headers (RFC 4475 §3.1.2.11).
  const scheme = uri.slice(0, colon).toLowerCase();
  if ((scheme === "sip" || scheme === "sips") && uri.indexOf("?", Math.max(colon, uri.indexOf("@"))) >= 0) {
    throw new Refusal("bad-start-line", "Bad Request-URI", `headers are not allowed in a Request-URI: "${uri}"`);
  }
}

function contactList(lines: readonly string[]): readonly NameAddr[] | "*" {
  if (lines.length === 1) return parseContact(lines[0]!);
  const out: NameAddr[] = [];
  for (const line of lines) {
    const c = parseContact(line);
    if (c === "*") throw new SipSyntaxError("contact", "* must be the only Contact value");
    out.push(...c);
  }
  return out;
}

function nameAddrLines(lines: readonly string[], element: string): NameAddr[] {
  const out: NameAddr[] = [];
  for (let i = 0; i < lines.length; i++) {
    const list = parseNameAddrList(lines[i]!, element);
    for (let k = 0; k < list.length; k++) out.push(list[k]!);
  }
  return out;
}

function single(previous: string | undefined, value: string, name: string): string {
  if (previous !== undefined) throw new Refusal("duplicate-header", `Duplicate ${name}`, `more than one ${name} header`);
  return value;
}

function missing(name: string): Refusal {
  return new Refusal("missing-header", `Missing ${name}`, `no ${name} header`);
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isStatusCode(code: string): boolean {
  const a = code.charCodeAt(0);
  return code.length === 3 && a >= 0x31 && a <= 0x36 && isDigits(code);
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isSchemeChars(s: string, end: number): boolean {
  for (let i = 1; i < end; i++) {
    const c = s.charCodeAt(i);
    const l = c | 0x20;
    if (!((l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

function hasWs(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) <= 0x20) return true;
  return false;
}

