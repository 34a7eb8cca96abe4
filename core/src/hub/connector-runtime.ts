import type { Clock } from "../contracts/clock.js";
import type { Connector, ConnectorContext, ConnectorHealth } from "../contracts/connector.js";
import type { Logger } from "../contracts/logger.js";
import { reportsCounters, tracesMessages, type MessageTraceEntry } from "../contracts/message-trace.js";
import type { ObservationSink } from "../contracts/observation-sink.js";
import type { ConnectorRecord } from "../contracts/store.js";
import type { WatchTarget } from "../contracts/watch-target.js";
import { Tokens } from "../di/tokens.js";
import type { ConnectorStatus } from "../model/connector-status.js";
import type { Observation } from "../model/observation.js";
import type { ConnectorRegistration } from "./connector-registration.js";

/** Callbacks from a running connector into the hub. */
export interface ConnectorRuntimeDelegate {
  onObservation(runtime: ConnectorRuntime, observation: Observation): void;
  onHealth(runtime: ConnectorRuntime): void;
  /** Resolves once every observation made so far is stored. */
  durable(): Promise<void>;
}

/**
 * One configured connector: its validated settings, its instance (built in a child container of
 * the plugin's), its health, and a sink that stops accepting emissions once the instance stops.
 */
export class ConnectorRuntime {
  private instance: Connector | null = null;
  private sink: BoundSink | null = null;
  private reported: ConnectorHealth;
  /** Settings validated against the type's schema, secrets merged in; null when invalid. */
  readonly settings: Record<string, unknown> | null;
  /** Why the connector cannot run (invalid or incomplete settings), or null. */
  readonly notConfigured: string | null;

  constructor(
    readonly record: ConnectorRecord,
    /** Null when no loaded plugin offers the record's type. */
    readonly registration: ConnectorRegistration | null,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly delegate: ConnectorRuntimeDelegate,
  ) {
    let settings: Record<string, unknown> | null = null;
    let problem: string | null = null;
    if (!registration) problem = `unknown connector type "${record.type}" (is its plugin loaded?)`;
    else {
      try {
        settings = registration.validator.validate({ ...record.settings, ...record.secrets }) as Record<string, unknown>;
        problem = registration.definition.incomplete?.(settings) ?? null;
      } catch (e) {
        problem = (e as Error).message;
      }
    }
    this.settings = settings;
    this.notConfigured = problem;
    this.reported = { status: "connection-error", detail: "not connected yet", since: clock.now() };
  }

  get id(): string {
    return this.record.id;
  }

  /** Enabled with usable settings: it counts as a source for its fields. */
  get serving(): boolean {
    return this.record.enabled && this.notConfigured === null;
  }

  get running(): boolean {
    return this.instance !== null;
  }

  /** Health as Diagnostics shows it: configuration first, then what the running connector said. */
  health(serviceDetail: string | null): ConnectorHealth {
    if (!this.record.enabled) return { status: "disabled", detail: "disabled in the configuration", since: this.reported.since };
    if (this.notConfigured) return { status: "server-not-configured", detail: this.notConfigured, since: this.reported.since };
    if (!this.instance) return { status: serviceDetail ? "connection-error" : "disabled", detail: serviceDetail ?? "stopped in Manage Services", since: this.reported.since };
    return this.reported;
  }

  async start(): Promise<void> {
    if (this.instance) return;
    if (!this.serving || !this.settings || !this.registration) throw new Error(this.notConfigured ?? "connector is disabled");
    const sink = new BoundSink(this, this.delegate);
    const context: ConnectorContext = {
      id: this.record.id,
      settings: this.settings,
      sink,
      logger: this.logger,
      clock: this.clock,
    };
    const container = this.registration.container.createChildContainer();
    container.register(Tokens.ConnectorContext, { useValue: context });
    container.register(Tokens.Logger, { useValue: this.logger });
    const instance = container.resolve(this.registration.definition.implementation);
    this.logger.debug({ type: this.record.type, settings: withoutSecrets(this.settings, this.registration.secretSettings) }, "connector starting");
    this.reported = { status: "connection-error", detail: "not connected yet", since: this.clock.now() };
    this.sink = sink;
    try {
      await instance.start();
    } catch (e) {
      sink.closed = true;
      this.sink = null;
      await instance.stop().catch(() => {});
      throw e;
    }
    this.instance = instance;
    this.delegate.onHealth(this);
  }

  async stop(): Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    this.instance = null;
    this.logger.debug("connector stopping");
    try {
      await instance.stop();
    } finally {
      if (this.sink) this.sink.closed = true;
      this.sink = null;
      this.delegate.onHealth(this);
    }
  }

  watch(target: WatchTarget): void {
    try {
      this.instance?.watch(target);
    } catch (e) {
      this.logger.error({ err: e, target: target.key }, "connector threw in watch(); this is a connector bug");
    }
  }

  unwatch(target: WatchTarget): void {
    try {
      this.instance?.unwatch(target);
    } catch (e) {
      this.logger.error({ err: e, target: target.key }, "connector threw in unwatch(); this is a connector bug");
    }
  }

  /** The connector's message trace, if it keeps one (empty otherwise). */
  trace(filter: { username?: string; limit?: number }): MessageTraceEntry[] {
    return this.instance && tracesMessages(this.instance) ? this.instance.messageTrace(filter) : [];
  }

  /** The connector's counters, if it keeps any (empty otherwise). */
  counters(): Readonly<Record<string, number>> {
    return this.instance && reportsCounters(this.instance) ? this.instance.counters() : {};
  }

  /** Called by the sink. */
  setReported(status: ConnectorStatus, detail: string | null): void {
    if (this.reported.status === status && this.reported.detail === detail) return;
    this.reported = { status, detail, since: this.clock.now() };
    this.delegate.onHealth(this);
  }
}

/** The sink handed to one connector instance; inert once the instance has stopped. */
class BoundSink implements ObservationSink {
  closed = false;

  constructor(
    private readonly runtime: ConnectorRuntime,
    private readonly delegate: ConnectorRuntimeDelegate,
  ) {}

  observe(observation: Observation): void {
    if (this.closed) return;
    if (observation.source !== this.runtime.id) {
      throw new Error(`connector ${this.runtime.id} reported an observation with source "${observation.source}"; use context.id`);
    }
    this.delegate.onObservation(this.runtime, observation);
  }

  status(status: ConnectorStatus, detail?: string): void {
    if (this.closed) return;
    this.runtime.setReported(status, detail ?? null);
  }

  durable(): Promise<void> {
    return this.delegate.durable();
  }
}

/**
 * Settings fit for a log line: the type's secret settings replaced by `[redacted]` by name, so a
 * secret is hidden whatever it is called (the logger's own redaction only knows common names).
 */
function withoutSecrets(settings: Readonly<Record<string, unknown>>, secrets: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...settings };
  for (const k of secrets) if (out[k] !== undefined && out[k] !== null && out[k] !== "") out[k] = "[redacted]";
  return out;
}
