import { createHash, randomBytes } from "node:crypto";

/** Recognisable prefix: secret scanners and humans can tell a presence-hub token at a glance. */
export const TOKEN_PREFIX = "phub_";

/** A new random token (256 bits) and its id (the first 8 hex digits of its hash, for listing). */
export function generateToken(): { token: string; id: string; hash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const hash = hashToken(token);
  return { token, id: hash.slice(0, 12), hash };
}

/** Tokens are stored only as SHA-256: high-entropy secrets need no slow hash. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
