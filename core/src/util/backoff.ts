/**
 * Retry delays with jitter: `base` doubling per failure up to `max`, each drawn uniformly from
 * [delay/2, delay], so what failed together (every subscription after a server restart, every
 * monitor after a switch restart) does not retry together. Connectors use it for reconnects and
 * re-subscriptions.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs = 5_000,
    private readonly maxMs = 600_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; counts a failure. */
  next(): number {
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 30);
    return Math.round(delay / 2 + (this.random() * delay) / 2);
  }

  /** A success: the next failure starts from the base again. */
  reset(): void {
    this.failures = 0;
  }

  /** Failures since the last success. */
  get count(): number {
    return this.failures;
  }
}
