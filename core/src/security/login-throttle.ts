/**
 * Slows password guessing: after `freeAttempts` failures for a key (client address + user name,
 * and the address alone) further attempts are refused for a lock that doubles per failure up to
 * `maxLockMs`. A success clears the key. In memory: a restart forgets (acceptable: scrypt keeps
 * each guess costly anyway).
 */
export class LoginThrottle {
  private readonly entries = new Map<string, { failures: number; lockedUntil: number; last: number }>();

  constructor(
    private readonly now: () => number,
    private readonly freeAttempts = 5,
    private readonly baseLockMs = 30_000,
    private readonly maxLockMs = 15 * 60_000,
  ) {}

  /** Milliseconds until `keys` may try again; 0 when allowed now. */
  retryAfter(keys: readonly string[]): number {
    const t = this.now();
    let wait = 0;
    for (const k of keys) {
      const e = this.entries.get(k);
      if (e && e.lockedUntil > t) wait = Math.max(wait, e.lockedUntil - t);
    }
    return wait;
  }

  failure(keys: readonly string[]): void {
    const t = this.now();
    for (const k of keys) {
      const e = this.entries.get(k) ?? { failures: 0, lockedUntil: 0, last: t };
      if (t - e.last > this.maxLockMs) e.failures = 0;
      e.failures++;
      e.last = t;
      const over = e.failures - this.freeAttempts;
      if (over >= 0) e.lockedUntil = t + Math.min(this.maxLockMs, this.baseLockMs * 2 ** over);
      this.entries.set(k, e);
    }
    if (this.entries.size > 10_000) this.prune(t);
  }

  success(keys: readonly string[]): void {
    for (const k of keys) this.entries.delete(k);
  }

  private prune(t: number): void {
    for (const [k, e] of this.entries) if (t - e.last > this.maxLockMs) this.entries.delete(k);
  }
}
