import type { Logger } from "../contracts/logger.js";
import { NotFoundError } from "../errors/not-found-error.js";

/**
 * Lifecycle state of a service in Manage Services.
 *
 * ```
 *   stopped ──start()──► starting ──ok──► running ──stop()──► stopping ──► stopped
 *                            └──throws──► failed ──start()──► starting …
 * ```
 */
export type ServiceState = "stopped" | "starting" | "running" | "stopping" | "failed";

/** The hub itself, a connector instance, or a plugin's long-running part. */
export type ServiceKind = "hub" | "connector" | "plugin";

export interface ServiceInfo {
  readonly id: string;
  readonly kind: ServiceKind;
  readonly state: ServiceState;
  /** The last failure's message, kept until the next successful start. */
  readonly lastError: string | null;
  readonly since: number;
}

interface Entry {
  info: ServiceInfo;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Serialises start/stop so a double click never runs two starts. */
  chain: Promise<void>;
}

/**
 * The services the hub runs, each startable, stoppable and restartable from the UI and CLI,
 * with its state readable. Failures are recorded, never thrown past the registry: a service that
 * fails leaves every other one running.
 */
export class ServiceRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: ((info: ServiceInfo) => void)[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  add(id: string, kind: ServiceKind, start: () => Promise<void>, stop: () => Promise<void>): void {
    if (this.entries.has(id)) throw new Error(`service ${id} is registered twice`);
    this.entries.set(id, { info: { id, kind, state: "stopped", lastError: null, since: this.now() }, start, stop, chain: Promise.resolve() });
  }

  /** Records a service that could not even be set up (e.g. a plugin whose register() threw). */
  addFailed(id: string, kind: ServiceKind, error: string): void {
    this.add(id, kind, async () => { throw new Error(error); }, async () => {});
    this.set(this.entries.get(id)!, "failed", error);
  }

  async remove(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    await this.stop(id);
    this.entries.delete(id);
  }

  list(): ServiceInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  get(id: string): ServiceInfo {
    return this.entry(id).info;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  onChange(listener: (info: ServiceInfo) => void): void {
    this.listeners.push(listener);
  }

  /** Starts a service; resolves when it is running or has failed (see its state). */
  start(id: string): Promise<ServiceInfo> {
    const entry = this.entry(id);
    return this.enqueue(entry, async () => {
      if (entry.info.state === "running") return;
      this.set(entry, "starting", entry.info.lastError);
      try {
        await entry.start();
        this.set(entry, "running", null);
      } catch (e) {
        const message = (e as Error).message ?? String(e);
        this.logger.error({ service: id, err: e }, "service failed to start; the hub keeps running");
        this.set(entry, "failed", message);
      }
    });
  }

  stop(id: string): Promise<ServiceInfo> {
    const entry = this.entry(id);
    return this.enqueue(entry, async () => {
      if (entry.info.state === "stopped") return;
      const wasFailed = entry.info.state === "failed";
      this.set(entry, "stopping", entry.info.lastError);
      try {
        await entry.stop();
      } catch (e) {
        this.logger.warn({ service: id, err: e }, "service did not stop cleanly");
      }
      this.set(entry, "stopped", wasFailed ? entry.info.lastError : null);
    });
  }

  async restart(id: string): Promise<ServiceInfo> {
    await this.stop(id);
    return this.start(id);
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new NotFoundError("service", id);
    return entry;
  }

  private enqueue(entry: Entry, step: () => Promise<void>): Promise<ServiceInfo> {
    const next = entry.chain.then(step);
    entry.chain = next.catch(() => {});
    return next.then(() => entry.info);
  }

  private set(entry: Entry, state: ServiceState, lastError: string | null): void {
    entry.info = { ...entry.info, state, lastError, since: this.now() };
    for (const l of this.listeners) l(entry.info);
  }
}
