import { Params, parseParamsAt } from "./params.js";
import { SipSyntaxError, scanToken, skipWs } from "./syntax.js";

/** A Content-Type value (RFC 3261 §20.15), e.g. `multipart/related;type="application/rlmi+xml";boundary=x`. */
export interface ContentType {
  /** Top-level type, lower-cased (`"application"`). */
  readonly type: string;
  /** Subtype, lower-cased (`"pidf+xml"`). */
  readonly subtype: string;
  /** `type/subtype`, lower-cased: the value to compare against. */
  readonly mediaType: string;
  /** Parameters (`boundary`, `type`, `start`, `charset`...), values unquoted with case kept. */
  readonly params: Params;
}

/** Parses a Content-Type (or `c:`) value. Throws {@link SipSyntaxError}. */
export function parseContentType(value: string): ContentType {
  let i = skipWs(value, 0);
  const te = scanToken(value, i);
  if (te === i) throw new SipSyntaxError("content-type", "missing type");
  const type = value.slice(i, te).toLowerCase();
  i = skipWs(value, te);
  if (value.charCodeAt(i) !== 0x2f) throw new SipSyntaxError("content-type", "missing /");
  i = skipWs(value, i + 1);
  const se = scanToken(value, i);
  if (se === i) throw new SipSyntaxError("content-type", "missing subtype");
  const subtype = value.slice(i, se).toLowerCase();
  const { params, end } = parseParamsAt(value, se, "content-type");
  if (end !== value.length) throw new SipSyntaxError("content-type", "trailing characters");
  return { type, subtype, mediaType: `${type}/${subtype}`, params };
}
