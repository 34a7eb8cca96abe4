import { createHash } from "node:crypto";

/**
 * Rendezvous (highest-random-weight) hashing: every node computes the same owner for a unit
 * from the same set of live nodes, and when a node joins or leaves only the units it wins or
 * held move — about 1/N of them, so a returning node causes no storm.
 */
export function rendezvousOwner(unit: string, nodes: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const node of nodes) {
    const score = createHash("sha1").update(node).update("\u0000").update(unit).digest().readUInt32BE(0);
    if (score > bestScore || (score === bestScore && best !== null && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}
