import type { Clock, TimerHandle } from "@presence-hub/core";

/**
 * Paces out-of-dialog SUBSCRIBEs with a token bucket so a thousand watches (a start, a server
 * restart, a lost TCP connection) never storm the server: at most `burst` at once, then `rate`
 * per second, in request order. Servers rate-limit watchers (Kamailio's pike defaults to 30
 * requests per 2 s per address) and a storm gets the hub blocked.
 */
export class SubscribePacer {
  private tokens: number;
  private last: number;
  private readonly queue: (() => void)[] = [];
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /**
   * Runs `send` when a token is free; returns a cancel function. `first` puts it ahead of every
   * waiting request: for the second half of one that already had its turn (the re-send after a
   * 401/407), which the server counts as a request of its own.
   */
  acquire(send: () => void, options?: { readonly first?: boolean }): () => void {
    if (options?.first) this.queue.unshift(send);
    else this.queue.push(send);
    this.drain();
    return () => {
      const i = this.queue.indexOf(send);
      if (i >= 0) this.queue.splice(i, 1);
    };
  }

  /** Requests waiting for a token. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Forgets every waiting request (connector stopping). */
  clear(): void {
    this.queue.length = 0;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private drain(): void {
    const now = this.clock.now();
    // A wall clock stepped backwards must not drain the bucket: an hour back made the bucket
    // an hour's worth of tokens short, so no SUBSCRIBE left for an hour (found by the
    // robustness suite's clock-jump tests).
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) / 1000) * this.rate);
    this.last = now;
    while (this.queue.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.queue.shift()!();
    }
    if (this.queue.length > 0 && !this.timer) {
      const wait = Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000));
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.drain();
      }, wait);
    }
  }
}
