/** Opaque handle of a scheduled callback. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * Time, injectable so tests can move it (e.g. the diagnostics subscription that ends after 60 s).
 * Every timer in the hub and its plugins goes through a Clock, never through global setTimeout.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The longest delay Node's timers honour (2^31 − 1 ms, about 24.8 days). A longer one fires after
 * 1 ms with a TimeoutOverflowWarning: a note valid for 30 days re-armed its expiry timer every
 * millisecond, forever (found by the robustness suite).
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer longer than {@link MAX_TIMER_MS}, run as a chain of shorter ones. */
class LongTimer {
  timer: NodeJS.Timeout;

  constructor(callback: () => void, ms: number) {
    this.timer = this.arm(callback, ms);
  }

  private arm(callback: () => void, remaining: number): NodeJS.Timeout {
    const t = setTimeout(() => (remaining > MAX_TIMER_MS ? (this.timer = this.arm(callback, remaining - MAX_TIMER_MS)) : callback()), Math.min(remaining, MAX_TIMER_MS));
    t.unref();
    return t;
  }
}

/**
 * The real clock. Timers are unref'd so a pending timer never keeps a stopping process alive;
 * delays beyond Node's 24.8-day limit are chained, so a far-off deadline (a note's validity, a
 * server's Retry-After) waits as long as it says instead of firing at once.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    if (ms > MAX_TIMER_MS) return new LongTimer(callback, ms);
    const t = setTimeout(callback, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle instanceof LongTimer ? handle.timer : (handle as NodeJS.Timeout));
  },
};
