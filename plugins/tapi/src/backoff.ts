/**
 * Retry delays: `base` doubling per failure up to `max`, each drawn from [delay/2, delay] so
 * that what failed together (every monitor after a switch restart) does not retry together.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
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
}
