import type { Clock, TimerHandle } from "../contracts/clock.js";

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock tests move by hand: `advance(60_000)` runs every timer due within that minute, in
 * order, without waiting. Starts at a fixed, realistic time.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<object, Pending>();

  constructor(start = Date.UTC(2026, 10, 25, 9, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = {};
    this.timers.set(handle, { at: this.current + Math.max(0, ms), seq: this.seq++, callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as object);
  }

  /** Moves time forward, firing due timers in time order (timers set by callbacks included). */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      let next: [object, Pending] | null = null;
      for (const entry of this.timers) {
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq))) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = next[1].at;
      next[1].callback();
    }
    this.current = end;
  }

  /**
   * Steps the wall clock (an NTP correction, a VM resumed, a bad RTC) by `ms`, forwards or
   * backwards, without firing anything: `now()` jumps, while pending timers keep the time they
   * still had to run, as Node's monotonic timers do. Tests code that mixes `now()` arithmetic
   * with timers.
   */
  stepWallClock(ms: number): void {
    this.current += ms;
    for (const [handle, p] of this.timers) this.timers.set(handle, { ...p, at: p.at + ms });
  }

  /** Number of pending timers (to assert nothing was left scheduled). */
  get pending(): number {
    return this.timers.size;
  }
}
