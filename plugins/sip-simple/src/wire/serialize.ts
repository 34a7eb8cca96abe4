/**
 * Building outgoing requests and responses as Buffers.
 *
 * The serializer owns Content-Length: it always writes the exact BYTE length of the body (last,
 * after the caller's headers) and drops any Content-Length the caller passed, so a multi-byte
 * UTF-8 body can never be mis-framed the way sip.js and kirm `sip` do (they count characters).
 * Header order is the caller's; lines end in CRLF. Header names and values are checked for
 * CR/LF so a value taken from the network cannot inject headers.
 */
import { headerKey } from "./header-names.js";
import { parseNameAddr } from "./name-addr.js";
import type { SipHeaders } from "./sip-headers.js";
import { isToken } from "./syntax.js";
import { newTag } from "./identifiers.js";

/** Headers to write, in order: `[name, value]` pairs; repeat a name for several lines. */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/** A request to serialize. */
export interface OutgoingRequest {
  /** Method token (`"SUBSCRIBE"`). */
  readonly method: string;
  /** Request-URI exactly as it should appear on the request line (and in digest `uri`). */
  readonly uri: string;
  /** Headers in output order, without Content-Length. */
  readonly headers: HeaderList;
  /** Body; a string is encoded as UTF-8. */
  readonly body?: Buffer | string;
}

/** A response to serialize. */
export interface OutgoingResponse {
  /** Status code 100–699. */
  readonly status: number;
  /** Reason phrase; defaults to the standard phrase for the status. */
  readonly reason?: string;
  /** Headers in output order, without Content-Length. */
  readonly headers: HeaderList;
  /** Body; a string is encoded as UTF-8. */
  readonly body?: Buffer | string;
}

/** Serializes a request: `METHOD uri SIP/2.0`, headers, `Content-Length`, empty line, body. */
export function serializeRequest(request: OutgoingRequest): Buffer {
  if (!isToken(request.method)) throw new TypeError(`method "${request.method}" is not a token`);
  if (request.uri.length === 0 || /[\s<>"]/.test(request.uri)) throw new TypeError(`bad Request-URI "${request.uri}"`);
  return assemble(`${request.method} ${request.uri} SIP/2.0\r\n`, request.headers, request.body);
}

/** Serializes a response: `SIP/2.0 status reason`, headers, `Content-Length`, empty line, body. */
export function serializeResponse(response: OutgoingResponse): Buffer {
  const { status } = response;
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new TypeError(`bad status code ${status}`);
  const reason = response.reason ?? reasonPhrase(status);
  if (/[\r\n]/.test(reason)) throw new TypeError("reason phrase contains CR/LF");
  return assemble(`SIP/2.0 ${status} ${reason}\r\n`, response.headers, response.body);
}

function assemble(startLine: string, headers: HeaderList, body: Buffer | string | undefined): Buffer {
  const bodyBuf = body === undefined ? EMPTY : typeof body === "string" ? Buffer.from(body, "utf8") : body;
  let head = startLine;
  for (const [name, value] of headers) {
    if (!isToken(name)) throw new TypeError(`header name "${name}" is not a token`);
    if (value.indexOf("\r") >= 0 || value.indexOf("\n") >= 0) throw new TypeError(`header "${name}" value contains CR/LF`);
    if (headerKey(name) === "content-length") continue;
    head += `${name}: ${value}\r\n`;
  }
  head += `Content-Length: ${bodyBuf.length}\r\n\r\n`;
  const headLen = Buffer.byteLength(head, "utf8");
  const out = Buffer.allocUnsafe(headLen + bodyBuf.length);
  out.write(head, 0, "utf8");
  bodyBuf.copy(out, headLen);
  return out;
}

const EMPTY = Buffer.alloc(0);

/** What {@link createResponse} needs from a request: a parsed {@link SipRequest} or a refused one's `RequestHead`. */
export interface ResponseSource {
  /** The request's header fields as received. */
  readonly headers: SipHeaders;
}

/** Options of {@link createResponse}. */
export interface ResponseOptions {
  /** Reason phrase; defaults to the standard one. */
  readonly reason?: string;
  /**
   * Tag to add to To when the request's To has none (RFC 3261 §8.2.6.2). When omitted a random
   * tag is generated for any status above 100; 100 Trying never gets one.
   */
  readonly toTag?: string;
  /** Further headers (Contact, Expires, Allow, Retry-After...), written after the copied ones. */
  readonly headers?: HeaderList;
  /** Body. */
  readonly body?: Buffer | string;
}

/**
 * Builds a response to a request per RFC 3261 §8.2.6: copies every Via (in order), From, To
 * (adding a tag when it has none and the status is above 100), Call-ID and CSeq, verbatim.
 * Works on the raw header values, so it can answer a request that failed to parse
 * (`SipParseError.request`) as long as those headers are present.
 */
export function createResponse(request: ResponseSource, status: number, options: ResponseOptions = {}): OutgoingResponse {
  const h = request.headers;
  const headers: [string, string][] = [];
  for (const via of h.getAll("via")) headers.push(["Via", via]);
  const from = h.get("from");
  if (from !== undefined) headers.push(["From", from]);
  let to = h.get("to");
  if (to !== undefined) {
    if (status > 100 && !hasTag(to)) to = `${to};tag=${options.toTag ?? newTag()}`;
    headers.push(["To", to]);
  }
  const callId = h.get("call-id");
  if (callId !== undefined) headers.push(["Call-ID", callId]);
  const cseq = h.get("cseq");
  if (cseq !== undefined) headers.push(["CSeq", cseq]);
  if (options.headers) for (const pair of options.headers) headers.push([pair[0], pair[1]]);
  return { status, reason: options.reason ?? reasonPhrase(status), headers, body: options.body };
}

function hasTag(to: string): boolean {
  try {
    return parseNameAddr(to, "to").params.get("tag") != null;
  } catch {
    // A malformed To (we may be answering exactly that with a 400): look for the parameter textually.
    return /;\s*tag\s*=/i.test(to.slice(Math.max(0, to.lastIndexOf(">"))));
  }
}

const REASONS: Readonly<Record<number, string>> = {
  100: "Trying",
  180: "Ringing",
  181: "Call Is Being Forwarded",
  182: "Queued",
  183: "Session Progress",
  200: "OK",
  202: "Accepted",
  204: "No Notification",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Moved Temporarily",
  305: "Use Proxy",
  380: "Alternative Service",
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  410: "Gone",
  413: "Request Entity Too Large",
  414: "Request-URI Too Long",
  415: "Unsupported Media Type",
  416: "Unsupported URI Scheme",
  420: "Bad Extension",
  421: "Extension Required",
  423: "Interval Too Brief",
  480: "Temporarily Unavailable",
  481: "Call/Transaction Does Not Exist",
  482: "Loop Detected",
  483: "Too Many Hops",
  484: "Address Incomplete",
  485: "Ambiguous",
  486: "Busy Here",
  487: "Request Terminated",
  488: "Not Acceptable Here",
  489: "Bad Event",
  491: "Request Pending",
  493: "Undecipherable",
  500: "Server Internal Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Server Time-out",
  505: "Version Not Supported",
  513: "Message Too Large",
  600: "Busy Everywhere",
  603: "Decline",
  604: "Does Not Exist Anywhere",
  606: "Not Acceptable",
};

const CLASS_REASONS = ["Unknown", "Provisional", "Success", "Redirection", "Client Error", "Server Error", "Global Failure"];

/** The standard reason phrase for a status code (RFC 3261 §21 and SIMPLE extensions), or a generic one by class. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? CLASS_REASONS[Math.floor(status / 100)] ?? "Unknown";
}
