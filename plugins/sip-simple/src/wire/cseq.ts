import { SipSyntaxError, isWs, parseUint32, scanToken, skipWs } from "./syntax.js";

/** A CSeq value (RFC 3261 §20.16). */
export interface CSeq {
  /** Sequence number, 0 .. 2^32-1. */
  readonly seq: number;
  /** Method token, case kept (methods are case-sensitive). */
  readonly method: string;
}

/**
 * Parses `1*DIGIT LWS Method`. Leading zeros are allowed (RFC 4475 §3.1.1.1); numbers above
 * 2^32-1 are rejected (§3.1.2.4). Throws {@link SipSyntaxError}.
 */
export function parseCSeq(value: string): CSeq {
  const n = value.length;
  let i = skipWs(value, 0);
  const ds = i;
  while (i < n && !isWs(value.charCodeAt(i))) i++;
  const seq = parseUint32(value.slice(ds, i));
  if (seq < 0) throw new SipSyntaxError("cseq", "sequence number is not an integer in 0..2^32-1");
  const ms = skipWs(value, i);
  if (ms === i) throw new SipSyntaxError("cseq", "missing method");
  const me = scanToken(value, ms);
  if (me === ms || skipWs(value, me) !== n) throw new SipSyntaxError("cseq", "bad method");
  return { seq, method: value.slice(ms, me) };
}
