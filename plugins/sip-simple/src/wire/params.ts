import { SipSyntaxError, isTokenChar, quote, scanQuoted, scanToken, skipWs, unquote } from "./syntax.js";

/**
 * An ordered list of `;name[=value]` parameters (header params, URI params, auth-params).
 *
 * Names are stored lower-case because every parameter name SIP defines is case-insensitive;
 * values are stored unquoted and with their case kept (tags, branches and boundaries are
 * case-sensitive). A parameter without a value (`;lr`, `;rport`) has the value `null`.
 *
 * Stored as one flat array rather than a Map: messages carry a handful of parameters, and a
 * linear scan over a small array is cheaper than building a hash table per header.
 */
export class Params implements Iterable<[name: string, value: string | null]> {
  /** Shared empty instance, for headers that carry no parameters. */
  static readonly EMPTY = new Params([]);

  private readonly flat: ReadonlyArray<string | null>;

  /** @param flat alternating lower-case names and values: `[name0, value0, name1, value1, ...]` */
  constructor(flat: ReadonlyArray<string | null>) {
    this.flat = flat;
  }

  /** Builds parameters from `[name, value]` pairs (names are lower-cased). */
  static of(pairs: Iterable<readonly [string, string | null]>): Params {
    const flat: (string | null)[] = [];
    for (const [name, value] of pairs) flat.push(name.toLowerCase(), value);
    return new Params(flat);
  }

  /** Number of parameters. */
  get size(): number {
    return this.flat.length >> 1;
  }

  /**
   * The value of the first parameter called `name` (case-insensitive): a string, `null` for a
   * parameter present without value, or `undefined` when absent.
   */
  get(name: string): string | null | undefined {
    const key = name.toLowerCase();
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) if (flat[i] === key) return flat[i + 1];
    return undefined;
  }

  /** True when a parameter called `name` (case-insensitive) is present, with or without value. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Iterates `[lower-case name, value]` pairs in wire order. */
  *[Symbol.iterator](): Iterator<[string, string | null]> {
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) yield [flat[i] as string, flat[i + 1] ?? null];
  }

  /** Formats as `;name=value;flag`, quoting values that are not plain tokens/hosts. */
  toString(): string {
    let out = "";
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) {
      const value = flat[i + 1];
      out += `;${flat[i]}`;
      if (value !== null && value !== undefined) out += `=${needsQuoting(value) ? quote(value) : value}`;
    }
    return out;
  }
}

function needsQuoting(value: string): boolean {
  if (value.length === 0) return true;
  if (value.charCodeAt(0) === 0x5b && value.charCodeAt(value.length - 1) === 0x5d) return false; // IPv6 reference
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!isTokenChar(c) && c !== 0x3a) return true; // ':' appears in hosts with ports and IPv6
  }
  return false;
}

/**
 * Parses `*( SEMI generic-param )` starting at `i` (which must point at `;` or at the end).
 * Stops at the end of `s` or at `stop` (a char code such as `,`) outside quotes; returns the
 * parameters and the index where it stopped. Rejects empty names (`;;`) and unterminated
 * quotes, which RFC 4475 §3.1.2.1 requires a parser to refuse.
 *
 * Values may be a token, a quoted-string or an IPv6 reference in brackets (RFC 3261 gen-value).
 *
 * @param element the header name, for error messages
 */
export function parseParamsAt(s: string, i: number, element: string, stop = -1): { params: Params; end: number } {
  const n = s.length;
  const flat: (string | null)[] = [];
  i = skipWs(s, i);
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === stop) break;
    if (c !== 0x3b) throw new SipSyntaxError(element, `unexpected "${s[i]}" where a ";" parameter was expected`);
    i = skipWs(s, i + 1);
    const nameEnd = scanToken(s, i);
    if (nameEnd === i) throw new SipSyntaxError(element, "empty parameter name");
    const name = s.slice(i, nameEnd).toLowerCase();
    i = skipWs(s, nameEnd);
    let value: string | null = null;
    if (i < n && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1);
      const v = s.charCodeAt(i);
      if (v === 0x22) {
        const end = scanQuoted(s, i);
        if (end < 0) throw new SipSyntaxError(element, `unterminated quoted value for parameter "${name}"`);
        value = unquote(s.slice(i, end));
        i = end;
      } else if (v === 0x5b) {
        const end = s.indexOf("]", i);
        if (end < 0) throw new SipSyntaxError(element, `unterminated IPv6 reference in parameter "${name}"`);
        value = s.slice(i, end + 1);
        i = end + 1;
      } else {
        // gen-value = token / host: tokens plus ':' for host:port style values seen in the field.
        let end = i;
        while (end < n) {
          const ch = s.charCodeAt(end);
          if (!isTokenChar(ch) && ch !== 0x3a) break;
          end++;
        }
        if (end === i) throw new SipSyntaxError(element, `empty value for parameter "${name}"`);
        value = s.slice(i, end);
        i = end;
      }
      i = skipWs(s, i);
    }
    flat.push(name, value);
  }
  return { params: flat.length === 0 ? Params.EMPTY : new Params(flat), end: i };
}
