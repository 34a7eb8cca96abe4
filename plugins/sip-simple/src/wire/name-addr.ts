import { Params, parseParamsAt } from "./params.js";
import { parseUri, type Uri } from "./sip-uri.js";
import { SipSyntaxError, isTokenChar, isWs, scanQuoted, skipWs, trimWs, unquote } from "./syntax.js";

/**
 * A name-addr or addr-spec with header parameters: the value of From, To, Contact, Route,
 * Record-Route, Refer-To (RFC 3261 §20.10, §20.20, §20.39).
 */
export interface NameAddr {
  /** Display name, unquoted (quoted-pairs resolved), or undefined when absent. */
  readonly displayName: string | undefined;
  /** The URI text exactly as written (inside `<>` when it was bracketed). */
  readonly uri: string;
  /** Header parameters after the URI (`tag`, `expires`, `q`...), lower-case names. */
  readonly params: Params;
  /** True when the URI was written inside `<>` (name-addr form). */
  readonly bracketed: boolean;
}

/**
 * Parses the single name-addr / addr-spec of a From or To value. Throws
 * {@link SipSyntaxError}: unterminated quote (RFC 4475 §3.1.2.6), whitespace inside `<>`
 * (§3.1.2.14), unquoted display name with non-token characters (§3.1.2.15), addr-spec with
 * URI headers (`?`), which needs `<>` (§3.1.2.13), or trailing garbage.
 *
 * The URI is only checked for a scheme here; {@link parseNameAddrUri} parses it on demand.
 *
 * @param element header name for error messages
 */
export function parseNameAddr(value: string, element = "name-addr"): NameAddr {
  const { nameAddr, end } = parseNameAddrAt(value, 0, element, false);
  if (end !== value.length) throw new SipSyntaxError(element, `unexpected "${value[end]}"`);
  return nameAddr;
}

/**
 * Parses a comma-separated list of name-addr / addr-spec values (Contact, Route, Record-Route).
 * Commas inside quoted display names and inside `<...>` do not split.
 */
export function parseNameAddrList(value: string, element = "name-addr"): NameAddr[] {
  const out: NameAddr[] = [];
  let i = 0;
  for (;;) {
    const { nameAddr, end } = parseNameAddrAt(value, i, element, true);
    out.push(nameAddr);
    if (end >= value.length) return out;
    // parseNameAddrAt stops only at the end or at a top-level comma.
    i = end + 1;
    if (skipWs(value, i) >= value.length) throw new SipSyntaxError(element, "empty value after comma");
  }
}

/**
 * Parses a Contact header value: either `*` (RFC 3261 §10.2.2, "remove all bindings") or a
 * list of name-addr / addr-spec values.
 */
export function parseContact(value: string): NameAddr[] | "*" {
  if (trimWs(value) === "*") return "*";
  return parseNameAddrList(value, "contact");
}

/** Parses the URI of a name-addr into its parts; throws {@link SipSyntaxError} when malformed. */
export function parseNameAddrUri(nameAddr: NameAddr): Uri {
  return parseUri(nameAddr.uri);
}

/** The `tag` parameter of a From/To value, or undefined. */
export function tagOf(nameAddr: NameAddr): string | undefined {
  const tag = nameAddr.params.get("tag");
  return tag === null ? undefined : tag;
}

/** Formats a name-addr for output, always in `<>` form (safe for any URI). */
export function formatNameAddr(nameAddr: Pick<NameAddr, "displayName" | "uri" | "params">): string {
  const display = nameAddr.displayName !== undefined ? `${quoteDisplayName(nameAddr.displayName)} ` : "";
  return `${display}<${nameAddr.uri}>${nameAddr.params.toString()}`;
}

function quoteDisplayName(name: string): string {
  return `"${name.replace(/(["\\])/g, "\\$1")}"`;
}

function parseNameAddrAt(s: string, start: number, element: string, list: boolean): { nameAddr: NameAddr; end: number } {
  const n = s.length;
  let i = skipWs(s, start);
  if (i >= n) throw new SipSyntaxError(element, "empty value");
  let displayName: string | undefined;
  let uri: string;
  let bracketed = false;

  if (s.charCodeAt(i) === 0x22) {
    const end = scanQuoted(s, i);
    if (end < 0) throw new SipSyntaxError(element, "unterminated quoted display name");
    displayName = unquote(s.slice(i, end));
    i = skipWs(s, end);
    if (s.charCodeAt(i) !== 0x3c) throw new SipSyntaxError(element, "quoted display name not followed by <URI>");
  } else {
    // Either `token *(LWS token) <uri>` or a bare addr-spec: look ahead for '<' over tokens and LWS.
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (!isTokenChar(c) && !isWs(c)) break;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 0x3c) {
      const name = trimWs(s.slice(i, j));
      if (name.length > 0) displayName = name;
      i = j;
    }
  }

  if (s.charCodeAt(i) === 0x3c) {
    const close = s.indexOf(">", i);
    if (close < 0) throw new SipSyntaxError(element, "missing >");
    uri = s.slice(i + 1, close);
    bracketed = true;
    i = close + 1;
  } else {
    // addr-spec: the URI runs to the first ';' (header params) or, in a list, ','.
    const us = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x3b || (list && c === 0x2c) || isWs(c)) break;
      i++;
    }
    uri = s.slice(us, i);
    if (uri.indexOf("?") >= 0) throw new SipSyntaxError(element, "URI with headers must be enclosed in <>");
  }
  checkUriShape(uri, element);
  const { params, end } = parseParamsAt(s, i, element, list ? 0x2c : -1);
  return { nameAddr: { displayName, uri, params, bracketed }, end };
}

/** Cheap structural check (scheme, no whitespace or brackets); full parsing is on demand. */
function checkUriShape(uri: string, element: string): void {
  const colon = uri.indexOf(":");
  if (colon <= 0) throw new SipSyntaxError(element, `"${uri}" is not a URI`);
  const first = uri.charCodeAt(0) | 0x20;
  if (first < 0x61 || first > 0x7a) throw new SipSyntaxError(element, `"${uri}" is not a URI`);
  for (let k = 0; k < uri.length; k++) {
    const c = uri.charCodeAt(k);
    if (c <= 0x20 || c === 0x3c || c === 0x3e || c === 0x22) throw new SipSyntaxError(element, `illegal character in URI "${uri}"`);
  }
}
