import type { Clock, Logger, PluginService, TimerHandle } from "@presence-hub/core";
import type { DirectorySync } from "./directory-sync.js";

/**
 * The `plugin:directory-ldap/sync` service in Manage Services: a run when it starts, then one
 * every `intervalMs` after the previous run finished (never two at once, never a backlog after
 * a slow run). Stopping it stops the automatic runs; on-demand runs stay possible.
 *
 * The first run is not awaited by `start()`: a slow or unreachable directory must not hold up
 * the hub's start. Its outcome is in the status and the log.
 */
export class SyncSchedule implements PluginService {
  readonly name = "sync";
  private timer: TimerHandle | null = null;
  private nextAt: number | null = null;
  private active = false;
  private inFlight: Promise<unknown> | null = null;

  constructor(
    private readonly sync: DirectorySync,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** When the next automatic run starts; null while one runs or when none is scheduled. */
  get nextRunAt(): number | null {
    return this.nextAt;
  }

  async start(): Promise<void> {
    this.active = true;
    this.fire("start");
  }

  /** Cancels the next run and waits for one in progress (bounded by the LDAP timeouts). */
  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.nextAt = null;
    await this.inFlight;
  }

  private fire(trigger: "start" | "schedule"): void {
    this.timer = null;
    this.nextAt = null;
    const run = this.sync.run(trigger, false).then(
      () => this.scheduleNext(),
      (e: unknown) => {
        this.logger.error({ err: e }, "directory sync crashed; the next run is scheduled as usual");
        this.scheduleNext();
      },
    );
    const tracked: Promise<void> = run.finally(() => {
      if (this.inFlight === tracked) this.inFlight = null;
    });
    this.inFlight = tracked;
  }

  private scheduleNext(): void {
    if (!this.active || this.intervalMs <= 0) return;
    this.nextAt = this.clock.now() + this.intervalMs;
    this.timer = this.clock.setTimeout(() => this.fire("schedule"), this.intervalMs);
  }
}
