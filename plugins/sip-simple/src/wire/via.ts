import { Params, parseParamsAt } from "./params.js";
import { isIpv4, isIpv6, isHostname } from "./sip-uri.js";
import { SipSyntaxError, parseUint32, scanToken, skipWs } from "./syntax.js";

/** One Via value (RFC 3261 §20.42, RFC 3581 rport). */
export interface Via {
  /** Protocol name and version, upper-cased: `"SIP/2.0"`. */
  readonly protocol: string;
  /** Transport, upper-cased: `"UDP"`, `"TCP"`, `"TLS"`, `"SCTP"`, or an extension token. */
  readonly transport: string;
  /** sent-by host: name or IPv4, or IPv6 *without* brackets. */
  readonly host: string;
  /** Type of {@link Via.host}. */
  readonly hostType: "name" | "ipv4" | "ipv6";
  /** sent-by port, or undefined when absent (default 5060, or 5061 for TLS). */
  readonly port: number | undefined;
  /** All parameters, lower-case names. */
  readonly params: Params;
  /** The `branch` parameter, or undefined. */
  readonly branch: string | undefined;
  /** The `received` parameter (brackets of an IPv6 value removed, RFC 5118 §4.5), or undefined. */
  readonly received: string | undefined;
  /** `rport`: the port number when it has a value, `true` when present without value, else undefined. */
  readonly rport: number | true | undefined;
  /** The `maddr` parameter, or undefined. */
  readonly maddr: string | undefined;
  /** The `ttl` parameter (0–255), or undefined. */
  readonly ttl: number | undefined;
}

const ELEMENT = "via";

/**
 * Parses a Via header value, which may hold several comma-separated via-parms
 * (`SIP/2.0/UDP a;branch=x, SIP/2.0/TCP b`). LWS is allowed around `/`, `:`, `;` and `=`
 * (RFC 4475 §3.1.1.1). Throws {@link SipSyntaxError} for anything else, including the empty
 * parameters and elements of RFC 4475 §3.1.2.1 (`;;,;,,`).
 */
export function parseVia(value: string): Via[] {
  const out: Via[] = [];
  let i = 0;
  const n = value.length;
  for (;;) {
    const { via, end } = parseViaAt(value, i);
    out.push(via);
    i = skipWs(value, end);
    if (i >= n) return out;
    if (value.charCodeAt(i) !== 0x2c) throw new SipSyntaxError(ELEMENT, `unexpected "${value[i]}"`);
    i = skipWs(value, i + 1);
    if (i >= n) throw new SipSyntaxError(ELEMENT, "empty value after comma");
  }
}

function expectSlash(s: string, i: number): number {
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 0x2f) throw new SipSyntaxError(ELEMENT, "malformed sent-protocol");
  return skipWs(s, i + 1);
}

function parseViaAt(s: string, start: number): { via: Via; end: number } {
  let i = skipWs(s, start);
  let e = scanToken(s, i);
  if (e === i) throw new SipSyntaxError(ELEMENT, "missing protocol name");
  const name = s.slice(i, e);
  i = expectSlash(s, e);
  e = scanToken(s, i);
  if (e === i) throw new SipSyntaxError(ELEMENT, "missing protocol version");
  const version = s.slice(i, e);
  i = expectSlash(s, e);
  e = scanToken(s, i);
  if (e === i) throw new SipSyntaxError(ELEMENT, "missing transport");
  const transport = s.slice(i, e).toUpperCase();
  i = skipWs(s, e);
  if (i === e) throw new SipSyntaxError(ELEMENT, "missing space before sent-by");

  let host: string;
  let hostType: Via["hostType"];
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf("]", i);
    if (close < 0) throw new SipSyntaxError(ELEMENT, "unterminated IPv6 reference");
    host = s.slice(i + 1, close);
    if (!isIpv6(host)) throw new SipSyntaxError(ELEMENT, `bad IPv6 address "${host}"`);
    hostType = "ipv6";
    i = close + 1;
  } else {
    const hs = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x3a || c === 0x3b || c === 0x2c || c === 0x20 || c === 0x09) break;
      i++;
    }
    host = s.slice(hs, i);
    if (isIpv4(host)) hostType = "ipv4";
    else if (isHostname(host)) hostType = "name";
    else throw new SipSyntaxError(ELEMENT, `bad sent-by host "${host}"`);
  }
  i = skipWs(s, i);
  let port: number | undefined;
  if (s.charCodeAt(i) === 0x3a) {
    i = skipWs(s, i + 1);
    const ps = i;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    port = i > ps && i - ps <= 5 ? Number(s.slice(ps, i)) : -1;
    if (port < 0 || port > 65535) throw new SipSyntaxError(ELEMENT, "bad sent-by port");
  }

  const { params, end } = parseParamsAt(s, i, ELEMENT, 0x2c);
  const branch = stringParam(params, "branch");
  let received = stringParam(params, "received");
  if (received !== undefined && received.charCodeAt(0) === 0x5b) received = received.slice(1, -1);
  const rportRaw = params.get("rport");
  let rport: number | true | undefined;
  if (rportRaw === null) rport = true;
  else if (rportRaw !== undefined) {
    rport = parseUint32(rportRaw);
    if (rport < 0 || rport > 65535) throw new SipSyntaxError(ELEMENT, "bad rport");
  }
  const ttlRaw = stringParam(params, "ttl");
  let ttl: number | undefined;
  if (ttlRaw !== undefined) {
    ttl = parseUint32(ttlRaw);
    if (ttl < 0 || ttl > 255) throw new SipSyntaxError(ELEMENT, "bad ttl");
  }
  return {
    via: {
      protocol: `${name.toUpperCase()}/${version}`,
      transport,
      host,
      hostType,
      port,
      params,
      branch,
      received,
      rport,
      maddr: stringParam(params, "maddr"),
      ttl,
    },
    end,
  };
}

function stringParam(params: Params, name: string): string | undefined {
  const v = params.get(name);
  if (v === null) throw new SipSyntaxError(ELEMENT, `parameter "${name}" needs a value`);
  return v;
}

/** Formats a Via for output (`SIP/2.0/UDP host:port;params`). */
export function formatVia(via: Pick<Via, "protocol" | "transport" | "host" | "hostType" | "port" | "params">): string {
  const host = via.hostType === "ipv6" ? `[${via.host}]` : via.host;
  return `${via.protocol}/${via.transport} ${host}${via.port !== undefined ? `:${via.port}` : ""}${via.params.toString()}`;
}
