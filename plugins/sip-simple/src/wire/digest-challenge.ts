/**
 * Choosing which Digest challenge to answer (RFC 7616 §3.7, RFC 8760 §2.4).
 *
 * A server may offer several challenges per realm, one per algorithm, in one header line or
 * several; sip.js keeps only the last header line and so answers MD5 even when SHA-256 is on
 * offer (sip-stack-evaluation §2). Here every challenge is considered and, per realm, the
 * strongest supported one wins: SHA-512-256 > SHA-256 > MD5 (the `-sess` variants rank with
 * their base algorithm, plain before -sess).
 */
import type { AuthChallenge } from "./auth-header.js";
import { equalsIgnoreCase } from "./syntax.js";

/** Digest algorithms this client can compute. */
export type DigestAlgorithm = "MD5" | "MD5-sess" | "SHA-256" | "SHA-256-sess" | "SHA-512-256" | "SHA-512-256-sess";

/** Quality of protection this client can provide; undefined = RFC 2069 compatibility (no qop). */
export type DigestQop = "auth" | "auth-int" | undefined;

/** A Digest challenge this client is able to answer, with its choices made. */
export interface UsableChallenge {
  /** The realm (may be empty). */
  readonly realm: string;
  /** The nonce to answer. */
  readonly nonce: string;
  /** Opaque value to echo, or undefined. */
  readonly opaque: string | undefined;
  /** Algorithm, normalised to the spelling of {@link DigestAlgorithm}. */
  readonly algorithm: DigestAlgorithm;
  /** Whether the challenge named an algorithm (echoed back only then, as RFC 2617 clients do). */
  readonly algorithmGiven: boolean;
  /** Chosen qop: `auth` when offered, else `auth-int`, else none. */
  readonly qop: DigestQop;
  /** `stale=true`: the previous credentials were right, only the nonce expired. */
  readonly stale: boolean;
  /** `userhash=true` (RFC 7616 §3.4.4): send H(username:realm) instead of the username. */
  readonly userhash: boolean;
}

const ALGORITHMS: readonly DigestAlgorithm[] = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"];
const RANK: Readonly<Record<DigestAlgorithm, number>> = {
  "MD5-sess": 0,
  MD5: 1,
  "SHA-256-sess": 2,
  "SHA-256": 3,
  "SHA-512-256-sess": 4,
  "SHA-512-256": 5,
};

/**
 * Interprets one challenge; returns undefined when it is not Digest, lacks a nonce, names an
 * unknown algorithm, or offers only qop values this client does not know.
 */
export function usableChallenge(challenge: AuthChallenge): UsableChallenge | undefined {
  if (!equalsIgnoreCase(challenge.scheme, "Digest")) return undefined;
  const p = challenge.params;
  const nonce = p.get("nonce");
  if (nonce == null) return undefined;
  const algRaw = p.get("algorithm");
  const algorithm = algRaw == null ? "MD5" : ALGORITHMS.find((a) => equalsIgnoreCase(a, algRaw));
  if (algorithm === undefined) return undefined;
  const qopRaw = p.get("qop");
  let qop: DigestQop;
  if (qopRaw != null) {
    const offered = qopRaw.split(",").map((q) => q.trim().toLowerCase());
    qop = offered.includes("auth") ? "auth" : offered.includes("auth-int") ? "auth-int" : undefined;
    if (qop === undefined) return undefined;
  }
  const opaque = p.get("opaque");
  return {
    realm: p.get("realm") ?? "",
    nonce,
    opaque: opaque == null ? undefined : opaque,
    algorithm,
    algorithmGiven: algRaw != null,
    qop,
    stale: equalsIgnoreCase(p.get("stale") ?? "", "true"),
    userhash: equalsIgnoreCase(p.get("userhash") ?? "", "true"),
  };
}

/** Per realm, the strongest usable challenge, in order of first appearance of each realm. */
export function selectChallenges(challenges: readonly AuthChallenge[]): UsableChallenge[] {
  const byRealm = new Map<string, UsableChallenge>();
  for (const c of challenges) {
    const u = usableChallenge(c);
    if (u === undefined) continue;
    const best = byRealm.get(u.realm);
    if (best === undefined || RANK[u.algorithm] > RANK[best.algorithm]) byRealm.set(u.realm, u);
  }
  return [...byRealm.values()];
}
