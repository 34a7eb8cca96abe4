/**
 * Fresh protocol identifiers: Via branches, tags and Call-IDs.
 *
 * From the CSPRNG, not `Math.random()`: sip.js draws branches from 10^7 values
 * (sip-stack-evaluation §2), which invites collisions across many subscriptions and makes
 * branches guessable by an off-path attacker forging responses. base64url output is made of
 * token characters only, so the values need no quoting anywhere.
 */
import { randomBytes } from "node:crypto";

/** The RFC 3261 §8.1.1.7 magic cookie every compliant branch starts with. */
export const BRANCH_COOKIE = "z9hG4bK";

/** A new Via branch: the magic cookie followed by 96 random bits. */
export function newBranch(): string {
  return BRANCH_COOKIE + randomBytes(12).toString("base64url");
}

/** A new From/To tag (64 random bits; RFC 3261 §19.3 asks for at least 32). */
export function newTag(): string {
  return randomBytes(8).toString("base64url");
}

/** A new Call-ID (128 random bits), optionally `@host` qualified. */
export function newCallId(host?: string): string {
  const id = randomBytes(16).toString("base64url");
  return host ? `${id}@${host}` : id;
}
