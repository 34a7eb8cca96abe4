import type { Logger } from "@presence-hub/core";

/**
 * Logs a recurring problem at most once per interval: the first occurrence at once, then one
 * line with the count of what happened meanwhile. A switch that floods garbage must not flood
 * the log.
 */
export class RateLimitedLog {
  private last = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly level: "warn" | "info",
    private readonly now: () => number,
    private readonly intervalMs = 10_000,
  ) {}

  log(fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.logger[this.level]({ ...fields, ...(this.suppressed ? { suppressedSinceLast: this.suppressed } : {}) }, message);
    this.last = now;
    this.suppressed = 0;
  }
}
