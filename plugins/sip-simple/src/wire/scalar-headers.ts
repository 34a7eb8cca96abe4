import { Params, parseParamsAt } from "./params.js";
import { SipSyntaxError, isToken, parseUint32, skipWs, trimWs } from "./syntax.js";

/**
 * Parses a delta-seconds header value (Expires, Min-Expires; RFC 3261 §20.19/§20.23) into a
 * number of seconds. Throws {@link SipSyntaxError} when it is not an integer in 0..2^32-1
 * (RFC 4475 §3.1.2.4: the caller may then fall back to a default rather than reject).
 *
 * @param element header name for error messages
 */
export function parseDeltaSeconds(value: string, element = "expires"): number {
  const v = parseUint32(trimWs(value));
  if (v < 0) throw new SipSyntaxError(element, "not an integer number of seconds in 0..2^32-1");
  return v;
}

/** A Retry-After value (RFC 3261 §20.33). Durations in SECONDS. */
export interface RetryAfter {
  /** Seconds to wait before retrying. */
  readonly seconds: number;
  /** The `duration` parameter in seconds (how long the callee will be available), or undefined. */
  readonly duration: number | undefined;
  /** The parenthesised comment, without parentheses, or undefined. */
  readonly comment: string | undefined;
  /** All parameters. */
  readonly params: Params;
}

/** Parses `delta-seconds [ comment ] *( SEMI retry-param )`. Throws {@link SipSyntaxError}. */
export function parseRetryAfter(value: string): RetryAfter {
  let i = skipWs(value, 0);
  const ds = i;
  while (i < value.length && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
  const seconds = parseUint32(value.slice(ds, i));
  if (seconds < 0) throw new SipSyntaxError("retry-after", "not an integer number of seconds in 0..2^32-1");
  i = skipWs(value, i);
  let comment: string | undefined;
  if (value.charCodeAt(i) === 0x28) {
    // Comments nest and may hold quoted-pairs (RFC 3261 §25.1).
    let depth = 0;
    const cs = i;
    for (; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0x5c) i++;
      else if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) break;
    }
    if (depth !== 0) throw new SipSyntaxError("retry-after", "unterminated comment");
    comment = value.slice(cs + 1, i);
    i++;
  }
  const { params, end } = parseParamsAt(value, i, "retry-after");
  if (end !== value.length) throw new SipSyntaxError("retry-after", "trailing characters");
  const durationRaw = params.get("duration");
  let duration: number | undefined;
  if (durationRaw !== undefined) {
    duration = durationRaw === null ? -1 : parseUint32(durationRaw);
    if (duration < 0) throw new SipSyntaxError("retry-after", "bad duration");
  }
  return { seconds, duration, comment, params };
}

/**
 * Parses a comma-separated list of tokens (Require, Supported, Allow, Allow-Events,
 * Proxy-Require, Unsupported). Empty elements are ignored, as most stacks do; a non-token
 * element throws {@link SipSyntaxError}.
 *
 * @param element header name for error messages
 */
export function parseTokenList(value: string, element = "list"): string[] {
  const out: string[] = [];
  for (const raw of value.split(",")) {
    const item = trimWs(raw);
    if (item.length === 0) continue;
    if (!isToken(item)) throw new SipSyntaxError(element, `"${item}" is not a token`);
    out.push(item);
  }
  return out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const SIP_DATE = /^\s*(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT\s*$/;

/**
 * Parses a SIP Date (RFC 3261 §20.17: rfc1123-date, time zone must be `GMT`, RFC 4475 §3.1.2.12).
 * Throws {@link SipSyntaxError}.
 */
export function parseSipDate(value: string): Date {
  const m = SIP_DATE.exec(value);
  if (!m) throw new SipSyntaxError("date", "not an RFC 1123 date in GMT");
  const [, day, month, year, hh, mm, ss] = m.map(Number) as number[];
  const t = Date.UTC(year!, MONTHS.indexOf(m[2]!), day!, hh!, mm!, ss!);
  const date = new Date(t);
  if (Number.isNaN(t) || date.getUTCDate() !== day || hh! > 23 || mm! > 59 || ss! > 60) {
    throw new SipSyntaxError("date", "date out of range");
  }
  return date;
}

/** Formats a Date as a SIP Date header value (`Sat, 13 Nov 2010 23:29:00 GMT`). */
export function formatSipDate(date: Date): string {
  const p = (v: number): string => String(v).padStart(2, "0");
  return `${DAYS[date.getUTCDay()]}, ${p(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${p(
    date.getUTCHours(),
  )}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} GMT`;
}
