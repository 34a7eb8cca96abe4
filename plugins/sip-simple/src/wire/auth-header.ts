import { Params } from "./params.js";
import { SipSyntaxError, scanQuoted, scanToken, skipWs, unquote } from "./syntax.js";

/**
 * One challenge of a WWW-Authenticate / Proxy-Authenticate header, or the credentials of an
 * Authorization / Proxy-Authorization header (same shape: `scheme param=value, ...`).
 */
export interface AuthChallenge {
  /** The auth scheme as written (`"Digest"`); compare case-insensitively. */
  readonly scheme: string;
  /** auth-params, lower-case names, values unquoted (`realm`, `nonce`, `qop`, `algorithm`...). */
  readonly params: Params;
  /** A token68 blob (`Basic`/`Negotiate` style) instead of params, or undefined. */
  readonly token68: string | undefined;
}

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/**
 * Parses one WWW-Authenticate / Proxy-Authenticate header value, which may carry several
 * challenges (`Digest realm="a", nonce="1", Digest realm="a", nonce="2", algorithm=SHA-256`).
 * Commas inside quoted values (`qop="auth,auth-int"`) do not split. Gather the values of every
 * header line with `headers.getAll(...)` and call this on each: servers offering several
 * algorithms (RFC 8760) often send one header line per challenge.
 *
 * @param element header name for error messages
 */
export function parseChallenges(value: string, element = "www-authenticate"): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  const n = value.length;
  let scheme: string | undefined;
  let flat: (string | null)[] = [];
  let token68: string | undefined;
  const flush = (): void => {
    if (scheme !== undefined) out.push({ scheme, params: new Params(flat), token68 });
  };
  let i = 0;
  for (;;) {
    i = skipWs(value, i);
    if (i >= n) break;
    if (value.charCodeAt(i) === 0x2c) {
      i++;
      continue;
    }
    const te = scanToken(value, i);
    if (te === i) throw new SipSyntaxError(element, `unexpected "${value[i]}"`);
    const j = skipWs(value, te);
    if (value.charCodeAt(j) !== 0x3d || scheme === undefined) {
      if (value.charCodeAt(j) === 0x3d) throw new SipSyntaxError(element, "auth-param before the auth scheme");
      flush();
      scheme = value.slice(i, te);
      flat = [];
      token68 = undefined;
      i = j;
      // A token68 (`Negotiate YII=`) directly after the scheme: a run followed by a comma or the end.
      const m = TOKEN68.exec(value.slice(i));
      if (m) {
        const after = skipWs(value, i + m[0].length);
        if (after >= n || value.charCodeAt(after) === 0x2c) {
          token68 = m[0];
          i = after;
        }
      }
      continue;
    }
    const name = value.slice(i, te).toLowerCase();
    let k = skipWs(value, j + 1);
    let v: string;
    if (value.charCodeAt(k) === 0x22) {
      const end = scanQuoted(value, k);
      if (end < 0) throw new SipSyntaxError(element, `unterminated quoted value for "${name}"`);
      v = unquote(value.slice(k, end));
      k = end;
    } else {
      const end = scanToken(value, k);
      if (end === k) throw new SipSyntaxError(element, `empty value for "${name}"`);
      v = value.slice(k, end);
      k = end;
    }
    flat.push(name, v);
    i = skipWs(value, k);
    if (i < n && value.charCodeAt(i) !== 0x2c) throw new SipSyntaxError(element, `unexpected "${value[i]}" after "${name}"`);
  }
  flush();
  if (out.length === 0) throw new SipSyntaxError(element, "no challenge");
  return out;
}

/** Parses an Authorization / Proxy-Authorization value (one set of credentials). */
export function parseCredentials(value: string, element = "authorization"): AuthChallenge {
  const all = parseChallenges(value, element);
  if (all.length !== 1) throw new SipSyntaxError(element, "expected exactly one set of credentials");
  return all[0]!;
}
