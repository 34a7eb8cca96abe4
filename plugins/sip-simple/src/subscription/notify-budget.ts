import type { Clock, TimerHandle } from "@presence-hub/core";

/**
 * The NOTIFY budget of one subscription: a token bucket (`burst` at once, then `rate` per
 * second). A NOTIFY within budget is applied at once. One over budget has already been answered
 * 200 like any other, but its body is not read: it is kept, a later one replaces it, and the
 * latest is applied as soon as the budget allows. So a peer flooding one user's dialog costs the
 * hub a parse and a 200 per message, not a body read, an aggregation, a store write and a
 * console update, and other users' NOTIFYs keep flowing.
 *
 * Why 200-and-coalesce rather than 500 with Retry-After: a notifier that gets an error reply
 * may drop the subscription (Kamailio removes the watcher), and presence is state, not a list
 * of events: only the last NOTIFY says what is true now. dialog-info with partial state is the
 * exception (versions must be consecutive); a skipped version is seen as a gap and answered with
 * a re-SUBSCRIBE for full state, as for any lost NOTIFY.
 */
export class NotifyBudget<T> {
  private tokens: number;
  private last: number;
  private deferred: T | null = null;
  private timer: TimerHandle | null = null;
  /** NOTIFYs replaced by a later one before they were applied. */
  coalesced = 0;

  constructor(
    private readonly clock: Clock,
    private readonly rate: number,
    private readonly burst: number,
    private readonly apply: (item: T) => void,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Applies `item` now when the budget allows, else keeps it (replacing any kept one) for later. */
  offer(item: T): void {
    this.refill();
    if (this.deferred === null && this.tokens >= 1) {
      this.tokens -= 1;
      this.apply(item);
      return;
    }
    if (this.deferred !== null) this.coalesced++;
    this.deferred = item;
    this.arm();
  }

  /** Applies what is kept now, whatever the budget (the subscription is ending). */
  flush(): void {
    const item = this.deferred;
    this.clear();
    if (item !== null) this.apply(item);
  }

  /** Forgets what is kept (the subscription ended or was replaced). */
  clear(): void {
    this.deferred = null;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private refill(): void {
    const now = this.clock.now();
    // A wall clock stepped backwards must not drain the bucket (and stall this user for hours).
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  private arm(): void {
    if (this.timer) return;
    const wait = Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000));
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.refill();
      const item = this.deferred;
      if (item === null) return;
      if (this.tokens < 1) return this.arm();
      this.tokens -= 1;
      this.deferred = null;
      this.apply(item);
    }, wait);
  }
}
