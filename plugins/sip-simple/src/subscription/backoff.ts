/**
 * Retry delays with jitter: `base` doubling per failure up to `max`, each drawn uniformly from
 * [delay/2, delay] so subscriptions that failed together do not retry together.
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

  get count(): number {
    return this.failures;
  }
}
