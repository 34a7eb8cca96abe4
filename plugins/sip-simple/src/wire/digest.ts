/**
 * Client Digest authentication for 401/407 (RFC 3261 §22, RFC 7616, RFC 8760, RFC 2617/2069).
 *
 * sip.js only does MD5, recomputes the digest uri from a normalised URI, never sends auth-int's
 * body hash, and forgets the nonce after each request so every refresh is challenged twice
 * (sip-stack-evaluation §2). This client:
 *
 * - answers MD5, SHA-256 and SHA-512-256, each also in `-sess` form, with qop `auth`,
 *   `auth-int` (hash of the body) or without qop (RFC 2069);
 * - picks the strongest challenge per realm when several are offered;
 * - keeps one credentials state per realm (nonce, nc, cnonce) so later requests are
 *   pre-authorised with the same nonce and an incremented nonce-count, without a new challenge;
 * - treats `stale=true` as "retry once with the new nonce", not as a wrong password;
 * - supports `userhash=true`; does NOT support the `username*` (RFC 8187) form for user names
 *   that cannot be sent in a quoted string, nor `nextnonce`/Authentication-Info.
 *
 * The digest `uri` is the Request-URI exactly as written on the request line.
 */
import { createHash, randomBytes } from "node:crypto";

import { parseChallenges, parseCredentials } from "./auth-header.js";
import { selectChallenges, type DigestAlgorithm, type DigestQop, type UsableChallenge } from "./digest-challenge.js";
import { headerKey } from "./header-names.js";
import type { SipHeaders } from "./sip-headers.js";
import type { HeaderList } from "./serialize.js";
import { SipSyntaxError, quote } from "./syntax.js";

/** Re-exported so callers of the authenticator need one import. */
export type { DigestAlgorithm, DigestQop } from "./digest-challenge.js";

/** What the digest computation needs (RFC 7616 §3.4.1). */
export interface DigestInput {
  /** Algorithm (default MD5). */
  readonly algorithm: DigestAlgorithm;
  /** User name as configured (the unhashed one, also with userhash). */
  readonly username: string;
  /** Password. */
  readonly password: string;
  /** Realm from the challenge. */
  readonly realm: string;
  /** Nonce from the challenge. */
  readonly nonce: string;
  /** Client nonce (needed with qop and with `-sess`). */
  readonly cnonce?: string;
  /** Nonce count as 8 hex digits (needed with qop). */
  readonly nc?: string;
  /** qop chosen, or undefined for RFC 2069 style. */
  readonly qop: DigestQop;
  /** Request method. */
  readonly method: string;
  /** Request-URI as written on the request line. */
  readonly uri: string;
  /** Request body (used by auth-int; empty when absent). */
  readonly body?: Buffer | string;
}

const HASHES: Readonly<Record<DigestAlgorithm, string>> = {
  MD5: "md5",
  "MD5-sess": "md5",
  "SHA-256": "sha256",
  "SHA-256-sess": "sha256",
  "SHA-512-256": "sha512-256",
  "SHA-512-256-sess": "sha512-256",
};

function hex(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(HASHES[algorithm]).update(data).digest("hex");
}

/** Computes the `response` value (lower-case hex) of a Digest Authorization. */
export function digestResponse(input: DigestInput): string {
  const alg = input.algorithm;
  let ha1 = hex(alg, `${input.username}:${input.realm}:${input.password}`);
  if (alg.endsWith("-sess")) {
    if (input.cnonce === undefined) throw new TypeError("-sess algorithms need a cnonce");
    ha1 = hex(alg, `${ha1}:${input.nonce}:${input.cnonce}`);
  }
  let a2 = `${input.method}:${input.uri}`;
  if (input.qop === "auth-int") a2 += `:${hex(alg, input.body ?? "")}`;
  const ha2 = hex(alg, a2);
  if (input.qop === undefined) return hex(alg, `${ha1}:${input.nonce}:${ha2}`);
  if (input.cnonce === undefined || input.nc === undefined) throw new TypeError("qop needs cnonce and nc");
  return hex(alg, `${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/** User name and password of one identity (a connector's Auth ID and password). */
export interface DigestCredentials {
  /** Authentication user name (Auth ID). */
  readonly username: string;
  /** Password. */
  readonly password: string;
}

/** Options of {@link DigestAuthenticator}. */
export interface DigestAuthenticatorOptions {
  /** Client nonce source; default 96 random bits, base64url. Tests inject fixed values. */
  readonly cnonce?: () => string;
}

/** A request about to be sent, as {@link DigestAuthenticator.authorize} needs it. */
export interface DigestRequest {
  /** Method. */
  readonly method: string;
  /** Request-URI exactly as it will appear on the request line. */
  readonly uri: string;
  /** Body (hashed for auth-int). */
  readonly body?: Buffer | string;
}

/** A request that was challenged: its headers tell whether it already carried our credentials. */
export interface ChallengedRequest {
  /** The headers that were sent. */
  readonly headers: HeaderList | SipHeaders;
}

/** Outcome of {@link DigestAuthenticator.handleChallenge}. */
export type ChallengeOutcome =
  /** Credentials state updated: resend the request (new CSeq) with {@link DigestAuthenticator.authorize}. */
  | { readonly ok: true; readonly realms: readonly string[] }
  /**
   * Give up: `"unsupported"` (no Digest challenge this client can answer), `"rejected"` (the
   * request already carried our credentials for that realm and the nonce was not stale: wrong
   * user name or password), `"stale-again"` (a nonce obtained from a stale challenge was itself
   * declared stale on first use: the server is looping), `"malformed"` (unparsable challenge).
   */
  | { readonly ok: false; readonly reason: "unsupported" | "rejected" | "stale-again" | "malformed"; readonly detail: string };

interface RealmState {
  readonly challenge: UsableChallenge;
  readonly proxy: boolean;
  readonly cnonce: string;
  nc: number;
  /** The nonce came from a stale=true challenge and has not been used twice yet. */
  readonly fromStale: boolean;
}

/**
 * Digest client for one identity towards one server: answers challenges and pre-authorises
 * later requests. Keep one per connector (per credentials); it is not tied to a dialog.
 */
export class DigestAuthenticator {
  private readonly credentials: DigestCredentials;
  private readonly makeCnonce: () => string;
  private readonly realms = new Map<string, RealmState>();

  /**
   * @param credentials the identity to authenticate as
   * @param options test hooks
   */
  constructor(credentials: DigestCredentials, options: DigestAuthenticatorOptions = {}) {
    this.credentials = credentials;
    this.makeCnonce = options.cnonce ?? (() => randomBytes(12).toString("base64url"));
  }

  /** Realms for which credentials are cached (and will be sent pre-emptively). */
  get cachedRealms(): string[] {
    return [...this.realms.keys()];
  }

  /** Drops every cached nonce (e.g. after a credentials change). */
  reset(): void {
    this.realms.clear();
  }

  /**
   * Learns from a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) to `request`. On success
   * the caller resends the request, with a new CSeq, adding the headers from {@link authorize}.
   *
   * @param response the challenge response (status and headers)
   * @param request the request that was challenged, as sent
   */
  handleChallenge(response: { readonly status: number; readonly headers: SipHeaders }, request: ChallengedRequest): ChallengeOutcome {
    const proxy = response.status === 407;
    const key = proxy ? "proxy-authenticate" : "www-authenticate";
    let usable: UsableChallenge[];
    let sent: Map<string, string>;
    try {
      usable = selectChallenges(response.headers.getAll(key).flatMap((line) => parseChallenges(line, key)));
      sent = sentNonces(request.headers, proxy ? "proxy-authorization" : "authorization");
    } catch (e) {
      if (e instanceof SipSyntaxError) return { ok: false, reason: "malformed", detail: e.message };
      throw e;
    }
    if (usable.length === 0) return { ok: false, reason: "unsupported", detail: `no usable Digest challenge in ${key}` };

    const updates: RealmState[] = [];
    for (const challenge of usable) {
      const usedNonce = sent.get(challenge.realm);
      const previous = this.realms.get(challenge.realm);
      // A nonce we re-used pre-emptively (nc > 1), or one from an older challenge, may simply
      // have expired or died with a server restart (servers often re-challenge without
      // stale=true then): answer the new challenge once. Only a nonce refused on its first use
      // means the credentials themselves are wrong. (Callers bound their challenge rounds.)
      const reused = usedNonce !== undefined && (previous === undefined || previous.challenge.nonce !== usedNonce || previous.nc > 1);
      if (usedNonce !== undefined) {
        if (!challenge.stale && !reused) {
          return { ok: false, reason: "rejected", detail: `credentials for realm "${challenge.realm}" were refused` };
        }
        if (previous?.fromStale && previous.challenge.nonce === usedNonce && previous.nc <= 1) {
          return { ok: false, reason: "stale-again", detail: `realm "${challenge.realm}" declared a fresh nonce stale again` };
        }
      }
      updates.push({ challenge, proxy, cnonce: this.makeCnonce(), nc: 0, fromStale: usedNonce !== undefined && (challenge.stale || reused) });
    }
    for (const state of updates) this.realms.set(state.challenge.realm, state);
    return { ok: true, realms: updates.map((s) => s.challenge.realm) };
  }

  /**
   * The Authorization / Proxy-Authorization headers for `request`, one per cached realm, each
   * with the next nonce-count. Empty when nothing is cached (send unauthenticated).
   */
  authorize(request: DigestRequest): [name: string, value: string][] {
    const out: [string, string][] = [];
    for (const state of this.realms.values()) {
      out.push([state.proxy ? "Proxy-Authorization" : "Authorization", this.credentialsFor(state, request)]);
    }
    return out;
  }

  private credentialsFor(state: RealmState, request: DigestRequest): string {
    const c = state.challenge;
    const { username, password } = this.credentials;
    state.nc++;
    const nc = state.nc.toString(16).padStart(8, "0");
    const response = digestResponse({
      algorithm: c.algorithm,
      username,
      password,
      realm: c.realm,
      nonce: c.nonce,
      cnonce: state.cnonce,
      nc,
      qop: c.qop,
      method: request.method,
      uri: request.uri,
      body: request.body,
    });
    const user = c.userhash ? createHash(HASHES[c.algorithm]).update(`${username}:${c.realm}`).digest("hex") : username;
    let value = `Digest username=${quote(user)}, realm=${quote(c.realm)}, nonce=${quote(c.nonce)}`;
    value += `, uri=${quote(request.uri)}, response=${quote(response)}`;
    if (c.algorithmGiven) value += `, algorithm=${c.algorithm}`;
    if (c.qop !== undefined || c.algorithm.endsWith("-sess")) value += `, cnonce=${quote(state.cnonce)}`;
    if (c.opaque !== undefined) value += `, opaque=${quote(c.opaque)}`;
    if (c.qop !== undefined) value += `, qop=${c.qop}, nc=${nc}`;
    if (c.userhash) value += ", userhash=true";
    return value;
  }
}

/** realm → nonce of the Digest credentials a request carried in `key` headers. */
function sentNonces(headers: HeaderList | SipHeaders, key: string): Map<string, string> {
  const out = new Map<string, string>();
  const values: string[] = [];
  if (Array.isArray(headers)) {
    for (const [name, value] of headers as HeaderList) if (headerKey(name) === key) values.push(value);
  } else {
    values.push(...(headers as SipHeaders).getAll(key));
  }
  for (const v of values) {
    const cred = parseCredentials(v, key);
    const realm = cred.params.get("realm");
    const nonce = cred.params.get("nonce");
    if (realm != null && nonce != null) out.set(realm, nonce);
  }
  return out;
}
