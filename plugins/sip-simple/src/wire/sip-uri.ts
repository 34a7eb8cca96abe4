/**
 * SIP, SIPS and tel URIs: parse, format, compare (RFC 3261 §19.1, RFC 3966).
 *
 * Hand-written rather than taken from sip.js's PEG grammar: that grammar rebuilds its constant
 * tables on every call (120–340 µs per header, performance-measurements §2b) and sip.js is not
 * a dependency of this package. The URI language SIP needs is small enough to scan directly,
 * and the RFC 4475 fixtures check the corner cases (escapes, `;` and `?` in the user part,
 * IPv6 references, escaped NULs).
 *
 * Components are kept in their escaped wire form, so formatting a parsed URI gives back the
 * same octets; {@link percentDecode} and {@link uriEquals} deal with escapes where meaning
 * matters.
 */
import { Params } from "./params.js";
import { SipSyntaxError, equalsIgnoreCase } from "./syntax.js";

/** A `sip:` or `sips:` URI. */
export interface SipUri {
  /** Discriminant of {@link Uri}. */
  readonly kind: "sip";
  /** `"sip"` or `"sips"` (lower-cased). */
  readonly scheme: "sip" | "sips";
  /** The user part as written (still %-escaped), or undefined when the URI has no userinfo. */
  readonly user: string | undefined;
  /** The password as written, or undefined. */
  readonly password: string | undefined;
  /** Host name, IPv4 address, or IPv6 address *without* its brackets. */
  readonly host: string;
  /** What {@link SipUri.host} is; `"ipv6"` hosts are formatted inside `[...]`. */
  readonly hostType: "name" | "ipv4" | "ipv6";
  /** Explicit port, or undefined (the default depends on transport and scheme). */
  readonly port: number | undefined;
  /** uri-parameters (`;transport=tcp;lr`): lower-case names, values as written. */
  readonly params: Params;
  /** URI headers after `?`, as written (`name`, `value`) pairs. */
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
}

/** A `tel:` URI (RFC 3966). */
export interface TelUri {
  /** Discriminant of {@link Uri}. */
  readonly kind: "tel";
  /** Always `"tel"`. */
  readonly scheme: "tel";
  /** The telephone-subscriber number as written, e.g. `+1-201-555-0123` or `7042`. */
  readonly number: string;
  /** True for a global number (starts with `+`). */
  readonly global: boolean;
  /** Parameters such as `phone-context` and `ext`. */
  readonly params: Params;
}

/** Any other absolute URI (`http:`, `urn:`, `im:`...): kept opaque. */
export interface OtherUri {
  /** Discriminant of {@link Uri}. */
  readonly kind: "other";
  /** The scheme, lower-cased. */
  readonly scheme: string;
  /** Everything after the first `:`. */
  readonly opaque: string;
}

/** A parsed URI. */
export type Uri = SipUri | TelUri | OtherUri;

const URI_ELEMENT = "uri";

/**
 * Parses an absolute URI. SIP/SIPS and tel URIs are parsed into their parts; other schemes are
 * returned opaque. Throws {@link SipSyntaxError} on malformed input (no scheme, whitespace,
 * bad host or port, unterminated IPv6 reference).
 */
export function parseUri(text: string): Uri {
  const colon = text.indexOf(":");
  if (colon <= 0 || !isScheme(text, colon)) throw new SipSyntaxError(URI_ELEMENT, `no scheme in "${text}"`);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
      throw new SipSyntaxError(URI_ELEMENT, `illegal character in "${text}"`);
    }
  }
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === "sip" || scheme === "sips") return parseSipParts(scheme, text, colon + 1);
  if (scheme === "tel") return parseTelUri(text.slice(colon + 1));
  return { kind: "other", scheme, opaque: text.slice(colon + 1) };
}

/** Like {@link parseUri} but only accepts `sip:`/`sips:` URIs. */
export function parseSipUri(text: string): SipUri {
  const uri = parseUri(text);
  if (uri.kind !== "sip") throw new SipSyntaxError(URI_ELEMENT, `not a SIP URI: "${text}"`);
  return uri;
}

function parseSipParts(scheme: "sip" | "sips", text: string, start: number): SipUri {
  let i = start;
  const n = text.length;

  // userinfo ends at the '@'; no unescaped '@' may appear after it (params and headers forbid it).
  let user: string | undefined;
  let password: string | undefined;
  const at = text.indexOf("@", i);
  if (at >= 0) {
    const userinfo = text.slice(i, at);
    const pw = userinfo.indexOf(":");
    user = pw < 0 ? userinfo : userinfo.slice(0, pw);
    if (pw >= 0) password = userinfo.slice(pw + 1);
    if (user.length === 0) throw new SipSyntaxError(URI_ELEMENT, `empty user part in "${text}"`);
    i = at + 1;
  }

  let host: string;
  let hostType: SipUri["hostType"];
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf("]", i);
    if (close < 0) throw new SipSyntaxError(URI_ELEMENT, `unterminated IPv6 reference in "${text}"`);
    host = text.slice(i + 1, close);
    if (!isIpv6(host)) throw new SipSyntaxError(URI_ELEMENT, `bad IPv6 address in "${text}"`);
    hostType = "ipv6";
    i = close + 1;
  } else {
    const start = i;
    while (i < n) {
      const ch = text.charCodeAt(i);
      if (ch === 0x3a || ch === 0x3b || ch === 0x3f) break;
      i++;
    }
    host = text.slice(start, i);
    if (isIpv4(host)) hostType = "ipv4";
    else if (isHostname(host)) hostType = "name";
    else throw new SipSyntaxError(URI_ELEMENT, `bad host "${host}" in "${text}"`);
  }

  let port: number | undefined;
  if (i < n && text.charCodeAt(i) === 0x3a) {
    const start = ++i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    if (i === start || i - start > 5) throw new SipSyntaxError(URI_ELEMENT, `bad port in "${text}"`);
    // "010" would be port 10 and come back as ":10": a URI that does not survive its own round
    // trip (found by the robustness fuzzer). No peer writes one; refuse it like any bad port.
    if (text.charCodeAt(start) === 0x30 && i - start > 1) throw new SipSyntaxError(URI_ELEMENT, `port with a leading zero in "${text}"`);
    port = Number(text.slice(start, i));
    if (port > 65535) throw new SipSyntaxError(URI_ELEMENT, `port out of range in "${text}"`);
  }

  let params = Params.EMPTY;
  if (i < n && text.charCodeAt(i) === 0x3b) {
    let end = text.indexOf("?", i);
    if (end < 0) end = n;
    const flat: (string | null)[] = [];
    for (const part of text.slice(i + 1, end).split(";")) {
      if (part.length === 0) throw new SipSyntaxError(URI_ELEMENT, `empty uri-parameter in "${text}"`);
      const eq = part.indexOf("=");
      flat.push((eq < 0 ? part : part.slice(0, eq)).toLowerCase(), eq < 0 ? null : part.slice(eq + 1));
    }
    params = new Params(flat);
    i = end;
  }

  const headers: [string, string][] = [];
  if (i < n && text.charCodeAt(i) === 0x3f) {
    for (const part of text.slice(i + 1).split("&")) {
      const eq = part.indexOf("=");
      if (eq <= 0) throw new SipSyntaxError(URI_ELEMENT, `bad URI header "${part}"`);
      headers.push([part.slice(0, eq), part.slice(eq + 1)]);
    }
    i = n;
  }
  if (i !== n) throw new SipSyntaxError(URI_ELEMENT, `unexpected "${text[i]}" in "${text}"`);
  return { kind: "sip", scheme, user, password, host, hostType, port, params, headers };
}

function parseTelUri(rest: string): TelUri {
  const semi = rest.indexOf(";");
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (number.length === 0 || !/^\+?[0-9A-Fa-f*#\-.()]+$/.test(number) || (number[0] === "+" && number.length === 1)) {
    throw new SipSyntaxError(URI_ELEMENT, `bad telephone number "${number}"`);
  }
  const flat: (string | null)[] = [];
  if (semi >= 0) {
    for (const part of rest.slice(semi + 1).split(";")) {
      if (part.length === 0) throw new SipSyntaxError(URI_ELEMENT, "empty tel parameter");
      const eq = part.indexOf("=");
      flat.push((eq < 0 ? part : part.slice(0, eq)).toLowerCase(), eq < 0 ? null : part.slice(eq + 1));
    }
  }
  return { kind: "tel", scheme: "tel", number, global: number.charCodeAt(0) === 0x2b, params: new Params(flat) };
}

/** Formats a URI back to text; a parsed URI formats to the octets it was parsed from (modulo the case of the scheme and of parameter names). */
export function formatUri(uri: Uri): string {
  if (uri.kind === "other") return `${uri.scheme}:${uri.opaque}`;
  if (uri.kind === "tel") return `tel:${uri.number}${formatUriParams(uri.params)}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) out += uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
  out += uri.hostType === "ipv6" ? `[${uri.host}]` : uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  out += formatUriParams(uri.params);
  if (uri.headers.length > 0) out += "?" + uri.headers.map(([k, v]) => `${k}=${v}`).join("&");
  return out;
}

function formatUriParams(params: Params): string {
  let out = "";
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/**
 * Decodes `%HH` escapes (as UTF-8). Invalid escapes are kept literally: `%` is only an escape
 * where the grammar says "escaped", and callers decode only such components.
 */
export function percentDecode(s: string): string {
  if (s.indexOf("%") < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(s[i]!, "utf8")) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * URI equivalence per RFC 3261 §19.1.4 for SIP/SIPS (user and password compared after
 * unescaping and case-sensitively; host case-insensitively; an absent port is NOT equal to an
 * explicit 5060; `user`, `ttl`, `method`, `maddr` and `transport` parameters must match when
 * either side has them, other parameters only when both do; URI headers must match as a set),
 * digit-wise comparison for tel URIs (visual separators ignored, RFC 3966 §4), and exact
 * comparison for other schemes.
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind !== b.kind || a.scheme !== b.scheme) return false;
  if (a.kind === "other") return a.opaque === (b as OtherUri).opaque;
  if (a.kind === "tel") {
    const t = b as TelUri;
    return normaliseTel(a.number) === normaliseTel(t.number) && paramsEqual(a.params, t.params, true);
  }
  const s = b as SipUri;
  if (decodeOpt(a.user) !== decodeOpt(s.user) || decodeOpt(a.password) !== decodeOpt(s.password)) return false;
  if (!equalsIgnoreCase(a.host, s.host) || a.port !== s.port) return false;
  if (!paramsEqual(a.params, s.params, false)) return false;
  if (a.headers.length !== s.headers.length) return false;
  // Any header of the other side with the name and value will do: matching only the first of
  // that name made a URI with a repeated header unequal to itself.
  for (const [name, value] of a.headers) {
    const decoded = percentDecode(value);
    if (!s.headers.some(([n, v]) => equalsIgnoreCase(n, name) && percentDecode(v) === decoded)) return false;
  }
  return true;
}

const SIGNIFICANT_PARAMS = ["user", "ttl", "method", "maddr", "transport"];

function paramsEqual(a: Params, b: Params, allMustMatch: boolean): boolean {
  // A repeated name (malformed, but parsed) compares by its first value on both sides, as
  // `get` reads it: comparing every occurrence with the other side's first value made a URI
  // unequal to itself (found by the robustness fuzzer: `tel:0;a=x;a=y`).
  const seen = new Set<string>();
  for (const [name, value] of a) {
    if (seen.has(name)) continue;
    seen.add(name);
    const other = b.get(name);
    if (other === undefined) {
      if (allMustMatch || SIGNIFICANT_PARAMS.includes(name)) return false;
      continue;
    }
    if (!paramValueEquals(value, other)) return false;
  }
  for (const [name] of b) {
    if (a.get(name) === undefined && (allMustMatch || SIGNIFICANT_PARAMS.includes(name))) return false;
  }
  return true;
}

function paramValueEquals(x: string | null, y: string | null): boolean {
  if (x === null || y === null) return x === y;
  return equalsIgnoreCase(percentDecode(x), percentDecode(y));
}

function decodeOpt(s: string | undefined): string | undefined {
  return s === undefined ? undefined : percentDecode(s);
}

function normaliseTel(n: string): string {
  return n.replace(/[-.()]/g, "").toLowerCase();
}

function isScheme(s: string, end: number): boolean {
  const first = s.charCodeAt(0) | 0x20;
  if (first < 0x61 || first > 0x7a) return false;
  for (let i = 1; i < end; i++) {
    const c = s.charCodeAt(i);
    const lower = c | 0x20;
    if (!((lower >= 0x61 && lower <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** True for a dotted-quad IPv4 address with every octet in 0..255. */
export function isIpv4(s: string): boolean {
  let dots = 0;
  let digits = 0;
  let octet = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return false;
      digits = 0;
      octet = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      octet = octet * 10 + (c - 0x30);
      if (++digits > 3 || octet > 255) return false;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}

/**
 * True for an IPv6 address (without brackets), including the IPv4-mapped form and, for
 * robustness as RFC 5118 §4.10 asks, the three-colon form RFC 3261's ABNF accidentally allows.
 */
export function isIpv6(s: string): boolean {
  if (s.length < 2 || s.length > 47) return false;
  let t = s;
  if (t.indexOf(":::") >= 0) {
    if (!/:::\d+\.\d+\.\d+\.\d+$/.test(t)) return false;
    t = t.replace(":::", "::");
  }
  const dc = t.indexOf("::");
  if (dc >= 0 && t.indexOf("::", dc + 1) >= 0) return false;
  const head = dc < 0 ? t : t.slice(0, dc);
  const tail = dc < 0 ? "" : t.slice(dc + 2);
  const groups = [...(head ? head.split(":") : []), ...(tail ? tail.split(":") : [])];
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (i === groups.length - 1 && g.indexOf(".") >= 0) {
      if (!isIpv4(g)) return false;
      count += 2;
    } else if (g.length >= 1 && g.length <= 4 && /^[0-9a-fA-F]+$/.test(g)) {
      count++;
    } else {
      return false;
    }
  }
  return dc >= 0 ? count <= 7 : count === 8;
}

/** True for a syntactically valid host name (labels of alphanumerics and `-`, optional final dot). */
export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 255) return false;
  let labelLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (labelLen === 0) return false;
      labelLen = 0;
      continue;
    }
    const lower = c | 0x20;
    const alnum = (lower >= 0x61 && lower <= 0x7a) || (c >= 0x30 && c <= 0x39);
    // '_' is not in the RFC 3261 grammar but appears in real deployments (SRV-style names).
    if (!alnum && c !== 0x2d && c !== 0x5f) return false;
    labelLen++;
  }
  return true;
}
