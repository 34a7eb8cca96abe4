/**
 * Character classes and small scanners shared by the SIP wire parsers (RFC 3261 §25.1).
 *
 * Scanners take a string and an index and return the index just past what they matched, so
 * callers slice only what they keep: no intermediate arrays, no regular expressions on the
 * per-message path.
 *
 * Values handed to these scanners are already unfolded (the message parser turns every
 * CRLF + LWS fold into one space), so "linear whitespace" here means only SP and HTAB.
 */

/** The error type every wire-level syntax check throws; see {@link SipSyntaxError}. */
export class SipSyntaxError extends Error {
  /** The header (canonical lower-case name) or element ("uri", "start-line") that failed. */
  readonly element: string;

  /**
   * @param element what was being parsed, e.g. `"via"` or `"uri"`
   * @param detail a short English description of the problem, for logs and 400 reason text
   */
  constructor(element: string, detail: string) {
    super(`${element}: ${detail}`);
    this.name = "SipSyntaxError";
    this.element = element;
  }
}

const TOKEN = new Uint8Array(128);
const WORD = new Uint8Array(128);
{
  const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (const c of alnum + "-.!%*_+`'~") TOKEN[c.charCodeAt(0)] = 1;
  for (const c of alnum + "-.!%*_+`'~()<>:\\\"/[]?{}") WORD[c.charCodeAt(0)] = 1;
}

/** True for a `token` character: alphanumerics and `-.!%*_+\`'~`. */
export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

/** True for a `word` character (token plus `()<>:\"/[]?{}`), as used by Call-ID. */
export function isWordChar(code: number): boolean {
  return code < 128 && WORD[code] === 1;
}

/** True for SP or HTAB. */
export function isWs(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Returns the first index at or after `i` that is not SP/HTAB. */
export function skipWs(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i;
}

/**
 * Removes leading and trailing SP/HTAB only. `String.prototype.trim` is wrong for SIP: it also
 * strips U+FEFF and other Unicode spaces that are legitimate UTF-8 content of a value.
 */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Returns the index just past the run of token characters starting at `i` (=== i when none). */
export function scanToken(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) break;
    i++;
  }
  return i;
}

/** True when the whole string is a non-empty token. */
export function isToken(s: string): boolean {
  return s.length > 0 && scanToken(s, 0) === s.length;
}

/**
 * Scans a quoted-string whose opening DQUOTE is at `i`. Returns the index just past the closing
 * DQUOTE, or -1 when the string is not terminated. Backslash escapes any next character.
 */
export function scanQuoted(s: string, i: number): number {
  const n = s.length;
  i++;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) i++;
    i++;
  }
  return -1;
}

/** Removes the surrounding quotes of a scanned quoted-string and resolves its quoted-pairs. */
export function unquote(quoted: string): string {
  const inner = quoted.slice(1, -1);
  if (inner.indexOf("\\") < 0) return inner;
  let out = "";
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === "\\" && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Quotes `value` as a quoted-string, escaping `"` and `\`. */
export function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, "\\$1")}"`;
}

/**
 * Splits a header value at top-level commas: commas inside quoted strings, `<...>` and `[...]`
 * do not split. Elements are trimmed; empty elements are kept (callers decide if that is an error).
 */
export function splitTopLevel(s: string, separator = 0x2c): string[] {
  const parts: string[] = [];
  const n = s.length;
  let start = 0;
  let angle = false;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      const end = scanQuoted(s, i);
      if (end < 0) throw new SipSyntaxError("list", "unterminated quoted string");
      i = end;
      continue;
    }
    if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === separator && !angle) {
      parts.push(trimWs(s.slice(start, i)));
      start = i + 1;
    }
    i++;
  }
  parts.push(trimWs(s.slice(start)));
  return parts;
}

/** Largest value of a 32-bit unsigned SIP scalar (CSeq number, delta-seconds). */
export const MAX_UINT32 = 4294967295;

/**
 * Parses a run of ASCII digits as an unsigned 32-bit number. Returns -1 when the text is empty,
 * holds anything but digits, or exceeds 2^32-1 (RFC 4475 §3.1.2.4/5 make those errors).
 */
export function parseUint32(s: string): number {
  const n = s.length;
  if (n === 0) return -1;
  let i = 0;
  while (i < n - 1 && s.charCodeAt(i) === 0x30) i++; // leading zeros are legal (RFC 4475 §3.1.1.1)
  if (n - i > 10) return -1;
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v > MAX_UINT32 ? -1 : v;
}

/** Case-insensitive ASCII equality without allocating lower-case copies. */
export function equalsIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}
