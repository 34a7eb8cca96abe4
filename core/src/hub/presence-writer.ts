import type { Clock, TimerHandle } from "../contracts/clock.js";
import type { Logger } from "../contracts/logger.js";
import type { HistoryRow, PresenceRepository, SourceKey, SourceRow, StateRow } from "../contracts/store.js";
import type { FieldSlot } from "./field-slot.js";

/** Receives each write batch's duration in seconds and whether it committed. */
export type WriteObserver = (seconds: number, ok: boolean) => void;

/** How long changes gather before one transaction writes them. */
export const FLUSH_INTERVAL_MS = 50;

/**
 * Write-behind for presence: the hot path only marks slots dirty; every {@link FLUSH_INTERVAL_MS}
 * one transaction writes the current state of every dirty slot (so ten changes of one user in a
 * window cost one row). A failed write keeps everything pending and retries with backoff.
 */
export class PresenceWriter {
  private dirty = new Set<FieldSlot>();
  private removed: SourceKey[] = [];
  private history: HistoryRow[] = [];
  private timer: TimerHandle | null = null;
  private writing: Promise<void> | null = null;
  private failures = 0;
  private frozen = false;
  /** Waiting for the batch that will carry what is pending now (see {@link durable}). */
  private waitingForNext: (() => void)[] = [];
  /** Waiting for the batch being written now; the same array the batch resolves. */
  private waitingForCurrent: (() => void)[] | null = null;

  constructor(
    private readonly repository: PresenceRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Told how long each batch took to commit (or fail), for the store-latency metric. */
    private readonly observe: WriteObserver = () => {},
  ) {}

  /**
   * Stops accepting changes (after a final flush) so a shutdown that stops connectors does not
   * overwrite the last known presence with "connector stopped": after a restart the hub shows
   * the last real state until sources report again.
   */
  async freeze(): Promise<void> {
    await this.flush();
    this.frozen = true;
  }

  /** The slot's state or reports changed. */
  markDirty(slot: FieldSlot): void {
    if (this.frozen) return;
    this.dirty.add(slot);
    this.schedule();
  }

  /** A source's row must go (the source withdrew). */
  markRemoved(key: SourceKey): void {
    if (this.frozen) return;
    this.removed.push(key);
    this.schedule();
  }

  /** A status change worth a history entry. */
  recordHistory(row: HistoryRow): void {
    if (this.frozen) return;
    this.history.push(row);
    this.schedule();
  }

  /**
   * Resolves once every change marked before the call is committed. Changes already in the batch
   * being written wait for it; pending ones are written at once rather than at the next tick
   * (a group commit: callers arriving while a batch is written share the next one, so a burst
   * costs a few transactions, not one each). After a failed batch the retry keeps its backoff
   * and the waiters wait for it. Found by the robustness suite: http-push acknowledged pushes up
   * to 50 ms before they were written, and a kill -9 lost them.
   */
  durable(): Promise<void> {
    if (this.hasPending()) {
      const done = new Promise<void>((resolve) => this.waitingForNext.push(resolve));
      if (this.failures === 0) void this.flush();
      return done;
    }
    if (this.waitingForCurrent) return new Promise((resolve) => this.waitingForCurrent!.push(resolve));
    return Promise.resolve();
  }

  private hasPending(): boolean {
    return this.dirty.size > 0 || this.removed.length > 0 || this.history.length > 0;
  }

  /** Writes everything pending now; resolves when it is durable. */
  async flush(): Promise<void> {
    if (this.timer) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.writing) await this.writing;
    if (!this.hasPending()) return;
    const slots = this.dirty;
    const removed = this.removed;
    const history = this.history;
    const waiters = this.waitingForNext;
    this.dirty = new Set();
    this.removed = [];
    this.history = [];
    this.waitingForNext = [];
    this.waitingForCurrent = waiters;
    const sources: SourceRow[] = [];
    const states: StateRow[] = [];
    for (const slot of slots) {
      for (const obs of slot.reports.values()) {
        sources.push({ username: slot.username, field: slot.field, source: obs.source, report: obs.report, at: obs.at });
      }
      if (slot.state) states.push({ username: slot.username, field: slot.field, state: slot.state });
    }
    // Wall time, not the hub's clock: a test's manual clock must not make the store look instant.
    const started = performance.now();
    this.writing = this.repository
      .write({ sources, removedSources: removed, states, history })
      .then(() => {
        this.failures = 0;
        this.observe((performance.now() - started) / 1000, true);
        for (const resolve of waiters) resolve();
      })
      .catch((e: unknown) => {
        this.observe((performance.now() - started) / 1000, false);
        this.failures++;
        this.logger.error({ err: e, failures: this.failures }, "presence write failed; will retry");
        for (const s of slots) this.dirty.add(s);
        this.removed.unshift(...removed);
        this.history.unshift(...history);
        this.waitingForNext.push(...waiters);
        this.schedule();
      })
      .finally(() => {
        this.writing = null;
        this.waitingForCurrent = null;
      });
    await this.writing;
  }

  private schedule(): void {
    if (this.timer) return;
    const delay = this.failures === 0 ? FLUSH_INTERVAL_MS : Math.min(30_000, FLUSH_INTERVAL_MS * 2 ** this.failures);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }
}
