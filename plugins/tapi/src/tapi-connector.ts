import { inject, injectable } from "tsyringe";
import {
  Tokens,
  watchTargetId,
  type Connector,
  type ConnectorContext,
  type ConnectorStatus,
  type MessageTraceEntry,
  type ReportsCounters,
  type TelephonyReport,
  type TimerHandle,
  type TracesMessages,
  type WatchTarget,
} from "@presence-hub/core";
import { Backoff } from "@presence-hub/core";
import type { LinkTraceEntry } from "./csta/csta-link.js";
import type { CtiLink, CtiLinkDelegate, MonitorHandle } from "./link/cti-link.js";
import { createLink } from "./link/create-link.js";
import type { DeviceEvent } from "./link/device-event.js";
import { DeviceRequestError, LinkOpenError } from "./link/link-errors.js";
import { LineTracker } from "./line/line-tracker.js";
import type { TapiSettings } from "./tapi-settings.js";

/** One watched user: the device monitored for their first extension and what it knows. */
interface Watch {
  readonly target: WatchTarget;
  readonly device: string;
  readonly tracker: LineTracker;
  /** `idle`: waiting for the link or a retry; `starting`: monitor + snapshot in flight; `active`: reporting. */
  phase: "idle" | "starting" | "active";
  handle: MonitorHandle | null;
  /** Bumped whenever in-flight work for this watch becomes stale (unwatch, link loss, restart). */
  epoch: number;
  retryTimer: TimerHandle | null;
  readonly retry: Backoff;
  /** JSON of the last report, to report changes only. */
  lastReport: string | null;
  /** `at` of the last report: reports get strictly increasing times (see report()). */
  lastAt: number;
}

const TRACE_LIMIT = 500;

/**
 * The CTI connector (the reference product's "TAPI link"): telephony presence of each watched
 * user from the PBX's CTI interface, by first extension.
 *
 * Per watched user: MonitorStart on the device, then a snapshot (calls, do-not-disturb,
 * forwarding), then events. The first report goes out once the snapshot is in, so a user never
 * flashes `available` before their DND is known. Unwatching stops the monitor.
 *
 * Health: `connection-error` while the link is down (every watched user then reports `error`,
 * so a SIP source can stand in), `forbidden` when the login is refused, `up-and-running` while
 * connected. The link reconnects by itself with jittered backoff and restores every monitor
 * and snapshot; a failed monitor (unknown device, refused) is retried per user with backoff.
 */
@injectable()
export class TapiConnector implements Connector, CtiLinkDelegate, TracesMessages, ReportsCounters {
  private readonly settings: TapiSettings;
  private readonly watches = new Map<string, Watch>();
  private readonly byDevice = new Map<string, Watch>();
  private readonly reconnect: Backoff;
  private readonly trace: LinkTraceEntry[] = [];
  private readonly stats = { reconnects: 0, monitorFailures: 0 };
  private linkCounters: Readonly<Record<string, number>> = {};
  private link: CtiLink | null = null;
  private linkUp = false;
  /** A connection attempt failed or the link was lost since the last success. */
  private linkFailed = false;
  private running = false;
  private reconnectTimer: TimerHandle | null = null;
  private status: ConnectorStatus = "connection-error";
  /** Watches waiting for a monitor slot (see `parallelMonitors`). */
  private readonly queue: Watch[] = [];
  private starting = 0;

  constructor(@inject(Tokens.ConnectorContext) private readonly ctx: ConnectorContext<TapiSettings>) {
    this.settings = ctx.settings;
    this.reconnect = new Backoff(this.settings.reconnectMinMs, Math.max(this.settings.reconnectMinMs, this.settings.reconnectMaxMs));
  }

  // ─── Connector ──────────────────────────────────────────────────────────────────────────────

  async start(): Promise<void> {
    this.running = true;
    this.setStatus("connection-error", `connecting to ${this.settings.server}`);
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.reconnectTimer) this.ctx.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    for (const w of this.watches.values()) this.invalidate(w);
    this.watches.clear();
    this.byDevice.clear();
    this.queue.length = 0;
    const link = this.link;
    this.link = null;
    this.linkUp = false;
    await link?.close();
  }

  watch(target: WatchTarget): void {
    if (target.field !== "telephony") return;
    const id = watchTargetId(target.field, target.key);
    if (this.watches.has(id)) return;
    const device = this.settings.deviceFormat.replaceAll("{extension}", target.key.value);
    const w: Watch = {
      target,
      device,
      tracker: new LineTracker(() => this.ctx.clock.now()),
      phase: "idle",
      handle: null,
      epoch: 0,
      retryTimer: null,
      retry: new Backoff(5_000, 300_000),
      lastReport: null,
      lastAt: 0,
    };
    this.watches.set(id, w);
    this.byDevice.set(device, w);
    if (this.linkUp) this.enqueue(w);
    // While the first connection is being made the hub shows `requesting`; once it failed, say so.
    else if (this.linkFailed) this.report(w, { kind: "error", status: "error", reason: this.downReason() });
  }

  unwatch(target: WatchTarget): void {
    const id = watchTargetId(target.field, target.key);
    const w = this.watches.get(id);
    if (!w) return;
    this.watches.delete(id);
    if (this.byDevice.get(w.device) === w) this.byDevice.delete(w.device);
    const handle = w.handle;
    this.invalidate(w);
    if (handle && this.link && this.linkUp) void this.link.unmonitor(handle);
  }

  /** The last CTI messages, optionally only those about one user's device. */
  messageTrace(filter: { username?: string; limit?: number } = {}): MessageTraceEntry[] {
    let devices: Set<string> | undefined;
    if (filter.username) devices = new Set([...this.watches.values()].filter((w) => w.target.username === filter.username).map((w) => w.device));
    const remote = this.settings.server ?? "";
    const entries = this.trace.filter((e) => !devices || (e.device !== undefined && devices.has(e.device)));
    return entries.slice(-(filter.limit ?? TRACE_LIMIT)).map((e) => ({ at: e.at, direction: e.direction, remote, text: e.text }));
  }

  /** Counters: `cti.*` from the link, `monitors.*` from the connector. */
  counters(): Readonly<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.linkCounters)) out[`cti.${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`] = v;
    out["cti.reconnects"] = this.stats.reconnects;
    out["monitors.failures"] = this.stats.monitorFailures;
    out["monitors.active"] = [...this.watches.values()].filter((w) => w.phase === "active").length;
    out["monitors.watched"] = this.watches.size;
    return out;
  }

  // ─── CtiLinkDelegate ────────────────────────────────────────────────────────────────────────

  onDeviceEvent(device: string, event: DeviceEvent): void {
    const w = this.byDevice.get(device);
    if (!w) return;
    w.tracker.applyEvent(event);
    if (w.phase === "active") this.reportFacts(w);
  }

  onMonitorEnded(device: string, reason: string): void {
    const w = this.byDevice.get(device);
    if (!w) return;
    this.ctx.logger.info({ device, reason }, "monitor ended by the switch; starting it again");
    this.invalidate(w);
    this.report(w, { kind: "requesting" });
    this.scheduleRetry(w, 1_000);
  }

  onResync(reason: string): void {
    for (const w of this.watches.values()) {
      if (w.phase !== "active" || !w.handle) continue;
      const epoch = w.epoch;
      const link = this.link!;
      link.snapshot(w.device, (part) => this.fresh(w, epoch, link) && w.tracker.applySnapshot(part)).then(
        () => this.fresh(w, epoch, link) && this.reportFacts(w),
        (e: Error) => this.ctx.logger.info({ device: w.device, reason: e.message, after: reason }, "re-reading a device failed"),
      );
    }
  }

  onDown(reason: string): void {
    this.ctx.logger.warn({ server: this.settings.server, reason }, "CTI link lost; reconnecting");
    this.link = null;
    this.linkDown(`CTI link lost: ${reason}`);
  }

  // ─── link ───────────────────────────────────────────────────────────────────────────────────

  private async connect(): Promise<void> {
    if (!this.running) return;
    const { link, counters } = createLink(this.settings, { clock: this.ctx.clock, logger: this.ctx.logger, trace: (e) => this.addTrace(e) }, this);
    this.link = link;
    this.linkCounters = counters as Readonly<Record<string, number>>;
    try {
      await link.open();
    } catch (e) {
      if (!this.running || this.link !== link) return void (await link.close());
      this.link = null;
      const forbidden = e instanceof LinkOpenError && e.kind === "forbidden";
      this.ctx.logger.warn({ server: this.settings.server, reason: (e as Error).message }, "CTI link could not be opened");
      this.linkDown((e as Error).message, forbidden ? "forbidden" : "connection-error");
      return;
    }
    if (!this.running || this.link !== link) return void (await link.close());
    this.reconnect.reset();
    this.linkUp = true;
    this.linkFailed = false;
    this.setStatus("up-and-running", link.description);
    for (const w of this.watches.values()) this.enqueue(w);
  }

  /** The link is gone or could not be opened: every user shows `error`, and we retry. */
  private linkDown(reason: string, status: ConnectorStatus = "connection-error"): void {
    this.linkUp = false;
    this.linkFailed = true;
    this.queue.length = 0;
    this.setStatus(status, reason);
    for (const w of this.watches.values()) {
      this.invalidate(w);
      w.tracker.reset();
      this.report(w, { kind: "error", status: "error", reason });
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer) return;
    const delay = this.reconnect.next();
    this.reconnectTimer = this.ctx.clock.setTimeout(() => {
      this.reconnectTimer = null;
      this.stats.reconnects++;
      void this.connect();
    }, delay);
  }

  private downReason(): string {
    return this.status === "forbidden" ? "CTI login refused" : "CTI link not connected";
  }

  // ─── monitors ───────────────────────────────────────────────────────────────────────────────

  /** Queues a watch for MonitorStart + snapshot, at most `parallelMonitors` at a time. */
  private enqueue(w: Watch): void {
    if (w.phase !== "idle" || this.queue.includes(w)) return;
    this.queue.push(w);
    this.pump();
  }

  private pump(): void {
    while (this.linkUp && this.starting < this.settings.parallelMonitors && this.queue.length > 0) {
      const w = this.queue.shift()!;
      if (this.watches.get(watchTargetId(w.target.field, w.target.key)) !== w || w.phase !== "idle") continue;
      this.starting++;
      void this.startWatch(w).finally(() => {
        this.starting--;
        this.pump();
      });
    }
  }

  private async startWatch(w: Watch): Promise<void> {
    const link = this.link!;
    const epoch = ++w.epoch;
    w.phase = "starting";
    // Reset before MonitorStart: events may arrive right behind its answer, before the snapshot.
    w.tracker.reset();
    if (w.lastReport !== null) this.report(w, { kind: "requesting" });
    try {
      const handle = await link.monitor(w.device);
      if (!this.fresh(w, epoch, link)) {
        // Unwatched (or restarted) meanwhile: this monitor belongs to nobody.
        if (this.link === link && this.linkUp) void link.unmonitor(handle);
        return;
      }
      w.handle = handle;
      await link.snapshot(w.device, (part) => this.fresh(w, epoch, link) && w.tracker.applySnapshot(part));
      if (!this.fresh(w, epoch, link)) return;
      w.phase = "active";
      w.retry.reset();
      this.reportFacts(w);
    } catch (e) {
      if (!this.fresh(w, epoch, link)) return;
      if (e instanceof DeviceRequestError && e.linkDown) return; // onDown restores everything
      const status = e instanceof DeviceRequestError ? e.status : "error";
      this.stats.monitorFailures++;
      this.ctx.logger.info({ device: w.device, user: w.target.username, reason: (e as Error).message }, "monitoring a device failed; retrying later");
      const handle = w.handle;
      this.invalidate(w);
      if (handle) void link.unmonitor(handle);
      this.report(w, { kind: "error", status, reason: (e as Error).message });
      this.scheduleRetry(w, w.retry.next());
    }
  }

  private scheduleRetry(w: Watch, delay: number): void {
    if (!this.running || w.retryTimer) return;
    w.retryTimer = this.ctx.clock.setTimeout(() => {
      w.retryTimer = null;
      if (this.linkUp) this.enqueue(w);
    }, delay);
  }

  /** Whether work started at `epoch` on `link` still matters for `w`. */
  private fresh(w: Watch, epoch: number, link: CtiLink): boolean {
    return this.running && w.epoch === epoch && this.link === link && this.watches.get(watchTargetId(w.target.field, w.target.key)) === w;
  }

  /** Drops in-flight work and timers of a watch; it goes back to idle. */
  private invalidate(w: Watch): void {
    w.epoch++;
    w.phase = "idle";
    w.handle = null;
    if (w.retryTimer) this.ctx.clock.clearTimeout(w.retryTimer);
    w.retryTimer = null;
  }

  // ─── reports ────────────────────────────────────────────────────────────────────────────────

  private reportFacts(w: Watch): void {
    this.report(w, w.tracker.facts());
  }

  private report(w: Watch, report: TelephonyReport): void {
    if (!this.running) return;
    const key = JSON.stringify(report);
    if (key === w.lastReport) return;
    w.lastReport = key;
    // Events come in bursts (ServiceInitiated, Originated, Delivered in one TCP chunk). The hub
    // keeps its shown state when a report has the same source, status and time as the last
    // one, so a burst within one millisecond would lose the details of all but the first
    // report: give each report of a user its own, strictly increasing time.
    const at = Math.max(this.ctx.clock.now(), w.lastAt + 1);
    w.lastAt = at;
    this.ctx.sink.observe({ source: this.ctx.id, field: "telephony", userKey: w.target.key, at, report });
  }

  private setStatus(status: ConnectorStatus, detail: string): void {
    this.status = status;
    if (this.running) this.ctx.sink.status(status, detail);
  }

  private addTrace(e: LinkTraceEntry): void {
    this.trace.push(e);
    if (this.trace.length > TRACE_LIMIT) this.trace.splice(0, this.trace.length - TRACE_LIMIT);
  }
}
