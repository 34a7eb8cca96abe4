import type { Clock, TimerHandle } from "../contracts/clock.js";
import type { ConnectorHealth } from "../contracts/connector.js";
import type { Logger } from "../contracts/logger.js";
import type { MessageTraceEntry } from "../contracts/message-trace.js";
import type { UserAnnotationProvider } from "../contracts/user-annotation.js";
import { SINGLE_NODE, type WatchOwnership } from "../contracts/watch-ownership.js";
import type { ConnectorRecord, Store } from "../contracts/store.js";
import type { WatchTarget } from "../contracts/watch-target.js";
import { Aggregator } from "../aggregation/aggregator.js";
import { ctiOverSipRule } from "../aggregation/cti-over-sip-rule.js";
import type { ForwardClassifier, RankedSource, SourceRankingRule } from "../aggregation/rules.js";
import type { ServiceFallback } from "../aggregation/source-entry.js";
import { ConfigError } from "../errors/config-error.js";
import { NotFoundError } from "../errors/not-found-error.js";
import type { Observation, RichReport, TelephonyReport, UserKey } from "../model/observation.js";
import { PRESENCE_FIELDS, type PresenceField } from "../model/presence-status.js";
import type { RichState, TelephonyState, UserPresence } from "../model/presence-state.js";
import type { User, UserInput } from "../model/user.js";
import { ConnectorRegistration } from "./connector-registration.js";
import { ConnectorRuntime, type ConnectorRuntimeDelegate } from "./connector-runtime.js";
import type { EventBus } from "./event-bus.js";
import type { FieldSlot, UserRecord } from "./field-slot.js";
import { PresenceWriter, type WriteObserver } from "./presence-writer.js";
import type { ServiceRegistry } from "./service-registry.js";
import type { SettingsService } from "./settings-service.js";
import { UserDirectory } from "./user-directory.js";
import { validateUser } from "./validate-user.js";

/** How long the diagnostics "subscribe" action keeps a user watched (reference: one minute). */
export const DIAGNOSTICS_WATCH_MS = 60_000;

/** Demand holder ids the hub itself uses. */
export const DEMAND_DIAGNOSTICS = "diagnostics";
export const DEMAND_MONITOR_ALL = "monitor-all";

/** A connector as Diagnostics and the API show it. */
export interface ConnectorInfo {
  readonly id: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly position: number;
  readonly health: ConnectorHealth;
  /** Non-secret settings; secrets appear only as `<name>Set: true|false`. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly secretsSet: Readonly<Record<string, boolean>>;
  /** Targets currently watched through this connector. */
  readonly watching: number;
}

export interface HubDependencies {
  readonly store: Store;
  readonly bus: EventBus;
  readonly settings: SettingsService;
  readonly services: ServiceRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Told the duration of each presence write batch (store latency metric). */
  readonly writeObserver?: WriteObserver;
}

const FALLBACK = {
  userNotConfigured: {
    telephony: { status: "user-not-configured", rule: "user-not-configured", reason: "User not configured or not enabled for this type of presence (no first extension)" },
    rich: { status: "user-not-configured", rule: "user-not-configured", reason: "User not configured or not enabled for this type of presence (no SIP URI)" },
  },
  notRequested: { status: "not-requested", rule: "no-demand", reason: "Nobody has requested this user's presence" },
  serverNotConfigured: { status: "server-not-configured", rule: "no-server", reason: "No enabled, configured connector serves this kind of presence" },
  requesting: { status: "requesting", rule: "awaiting-sources", reason: "Request sent, no answer yet" },
} as const satisfies Record<string, ServiceFallback | Record<PresenceField, ServiceFallback>>;

/**
 * The hub: maps connectors' observations to users, aggregates them by the rules, keeps the
 * result (store, write-behind) and publishes changes (event bus → notifiers). It owns the
 * on-demand subscriptions: a user is watched while anyone wants them (consoles, the diagnostics
 * action for one minute, "monitor everyone") and released when nobody does.
 *
 * Data flows one way: connector → hub → aggregator → store → notifiers (DESIGN §3).
 */
export class Hub implements ConnectorRuntimeDelegate {
  private readonly directory = new UserDirectory();
  private readonly connectors = new Map<string, ConnectorRuntime>();
  private readonly registrations = new Map<string, ConnectorRegistration>();
  private readonly rankingRules: SourceRankingRule[] = [ctiOverSipRule];
  private readonly forwardClassifiers: ForwardClassifier[] = [];
  private readonly annotations: UserAnnotationProvider[] = [];
  private readonly diagnosticsTimers = new Map<string, TimerHandle>();
  private readonly writer: PresenceWriter;
  private aggregator = new Aggregator([], []);
  private running = false;
  private ownership: WatchOwnership = SINGLE_NODE;
  private readonly store: Store;
  private readonly bus: EventBus;
  private readonly settings: SettingsService;
  private readonly services: ServiceRegistry;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(deps: HubDependencies) {
    ({ store: this.store, bus: this.bus, settings: this.settings, services: this.services, clock: this.clock, logger: this.logger } = deps);
    this.writer = new PresenceWriter(this.store.presence, this.clock, this.logger.child({ component: "presence-writer" }), deps.writeObserver);
    this.services.add("hub", "hub", () => this.startHub(), () => this.stopHub());
    this.bus.register({
      name: "hub-settings",
      deliver: (env) => {
        if (env.event.type === "setting") this.onSetting(env.event.key);
      },
    });
  }

  // ─── setup (before load) ────────────────────────────────────────────────────────────────────

  registerConnectorType(registration: ConnectorRegistration): void {
    const type = registration.definition.type;
    const existing = this.registrations.get(type);
    if (existing) throw new Error(`connector type ${type} is offered by both ${existing.pluginId} and ${registration.pluginId}`);
    this.registrations.set(type, registration);
  }

  connectorTypes(): ConnectorRegistration[] {
    return [...this.registrations.values()];
  }

  addRankingRule(rule: SourceRankingRule): void {
    if (this.rankingRules.some((r) => r.id === rule.id)) throw new Error(`ranking rule ${rule.id} is registered twice`);
    this.rankingRules.push(rule);
  }

  addForwardClassifier(classifier: ForwardClassifier): void {
    this.forwardClassifiers.push(classifier);
  }

  addAnnotation(provider: UserAnnotationProvider): void {
    if (this.annotations.some((a) => a.name === provider.name)) throw new Error(`user annotation "${provider.name}" is registered twice`);
    this.annotations.push(provider);
  }

  /** Plugin-contributed parts of a user's representation (`{ note: … }`), as the viewer may see them. */
  annotationsFor(username: string, viewer: { role: "admin" | "operator" }): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const a of this.annotations) out[a.name] = a.get(username, viewer) ?? null;
    return out;
  }

  /** Ids of every known ranking rule (for validating `presence.rankingRules`). */
  rankingRuleIds(): string[] {
    return this.rankingRules.map((r) => r.id);
  }

  /** Cluster mode: who watches what (see {@link WatchOwnership}). Set before the hub starts. */
  setOwnership(ownership: WatchOwnership): void {
    this.ownership = ownership;
  }

  /** Re-decides every watch (ownership or demand elsewhere changed). */
  reconcileWatches(username?: string): void {
    if (username) {
      const record = this.directory.get(username);
      if (record) this.syncWatches(record);
      return;
    }
    for (const record of this.directory.all()) this.syncWatches(record);
  }

  /** Every target this node's users need watched (demanded here or elsewhere), for ownership decisions. */
  *wantedTargets(): Generator<{ connectorId: string; field: PresenceField; key: UserKey }> {
    for (const record of this.directory.all()) {
      if (!this.demanded(record)) continue;
      for (const field of PRESENCE_FIELDS) {
        const key = UserDirectory.keyFor(record.user, field);
        if (!key) continue;
        for (const c of this.aggregator.ranking(field)) yield { connectorId: c.id, field, key };
      }
    }
  }

  /**
   * The ownership unit of a watch in cluster mode: one per target, or one for the whole
   * connector when its type says so (a resource list serves many targets with one subscription).
   */
  ownershipUnit(connectorId: string, field: PresenceField, key: UserKey): string {
    const runtime = this.connectors.get(connectorId);
    const def = runtime?.registration?.definition;
    if (runtime && def?.ownership && runtime.settings && def.ownership(runtime.settings as never) === "connector") return `${connectorId}|*`;
    return `${connectorId}|${field}|${key.by}:${key.value}`;
  }

  /** An observation shared by another node (cluster mode): applied like a local one, not shared again. */
  applyRemoteObservation(observation: Observation): void {
    const record = this.directory.find(observation.userKey);
    if (!record) return;
    const slot = record.slot(observation.field);
    if (!slot.watchedKey || !sameKey(slot.watchedKey, observation.userKey) || !this.connectors.get(observation.source)?.serving) return;
    this.applyReport(record, slot, observation.source, observation);
  }

  /** Another node changed a user in the store: take the stored version (or its removal). */
  async reloadUser(username: string): Promise<void> {
    const stored = await this.store.users.get(username);
    if (!stored) {
      const record = this.directory.remove(username);
      if (record) {
        record.demand.clear();
        this.syncWatches(record);
        this.bus.publish({ type: "user", username, user: null }, { remote: true });
      }
      return;
    }
    const record = this.directory.put(stored);
    if (this.settings.get<boolean>("presence.monitorAll")) record.demand.add(DEMAND_MONITOR_ALL);
    this.syncWatches(record);
    this.bus.publish({ type: "user", username, user: stored }, { remote: true });
  }

  /** Another node changed a connector configuration: apply the stored one (or its removal). */
  async reloadConnector(id: string): Promise<void> {
    await this.replaceRuntime(await this.store.connectors.get(id), id);
  }

  /** Another node changed a plugin annotation (e.g. a note): refresh it and tell local consoles. */
  async refreshAnnotation(username: string, name: string): Promise<void> {
    const provider = this.annotations.find((a) => a.name === name);
    await provider?.refresh?.(username);
    this.bus.publish({ type: "annotation", username, name, value: null }, { remote: true });
  }

  /** Reads users, connectors and the last known presence from the store. */
  async load(): Promise<void> {
    this.rebuildAggregator();
    for (const user of await this.store.users.list()) this.directory.put(user);
    for (const record of await this.store.connectors.list()) this.addRuntime(record);
    this.rerank();
    for (const row of await this.store.presence.loadSources()) {
      const record = this.directory.get(row.username);
      const runtime = this.connectors.get(row.source);
      if (!record || !runtime?.serving) continue;
      const key = UserDirectory.keyFor(record.user, row.field);
      if (!key) continue;
      record.slot(row.field).reports.set(row.source, { source: row.source, userKey: key, at: row.at, field: row.field, report: row.report } as Observation);
    }
    for (const row of await this.store.presence.loadStates()) {
      const record = this.directory.get(row.username);
      if (record) record.slot(row.field).state = row.state;
    }
    if (this.settings.get<boolean>("presence.monitorAll")) for (const r of this.directory.all()) r.demand.add(DEMAND_MONITOR_ALL);
    for (const record of this.directory.all()) {
      for (const field of PRESENCE_FIELDS) {
        const slot = record.slot(field);
        if (record.demand.size === 0) this.clearReports(slot);
        this.aggregate(record, field);
      }
    }
  }

  // ─── the hub service ────────────────────────────────────────────────────────────────────────

  private async startHub(): Promise<void> {
    this.running = true;
    const starts = [...this.connectors.values()].filter((c) => c.serving).map((c) => this.services.start(`connector:${c.id}`));
    await Promise.all(starts);
    for (const record of this.directory.all()) this.syncWatches(record);
  }

  private async stopHub(): Promise<void> {
    await Promise.all([...this.connectors.values()].map((c) => this.services.stop(`connector:${c.id}`)));
    this.running = false;
    for (const record of this.directory.all()) this.syncWatches(record);
    await this.writer.flush();
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Writes pending presence now (tests, backups). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Resolves once every presence change made so far is committed (connectors' acknowledgements wait for it). */
  durable(): Promise<void> {
    return this.writer.durable();
  }

  /** Process shutdown: writes what is pending, then keeps the store as it is while connectors stop. */
  prepareShutdown(): Promise<void> {
    return this.writer.freeze();
  }

  // ─── connectors' callbacks ──────────────────────────────────────────────────────────────────

  /** Hot path: one observation from a running connector. */
  onObservation(runtime: ConnectorRuntime, observation: Observation): void {
    const record = this.directory.find(observation.userKey);
    if (!record) return;
    const slot = record.slot(observation.field);
    if (!slot.watchingConnectors.has(runtime.id)) return; // late report for something no longer watched
    this.applyReport(record, slot, runtime.id, observation);
    this.ownership.shareObservation(observation);
  }

  private applyReport(record: UserRecord, slot: FieldSlot, source: string, observation: Observation): void {
    if (observation.report.kind === "cleared") {
      if (slot.reports.delete(source)) this.writer.markRemoved({ username: slot.username, field: slot.field, source });
    } else {
      slot.reports.set(source, observation);
    }
    this.writer.markDirty(slot);
    this.aggregate(record, observation.field);
  }

  onHealth(runtime: ConnectorRuntime): void {
    const h = this.connectorHealth(runtime);
    this.bus.publish({ type: "connector", id: runtime.id, status: h.status, detail: h.detail });
  }

  // ─── presence queries ───────────────────────────────────────────────────────────────────────

  users(): User[] {
    return [...this.directory.all()].map((r) => r.user);
  }

  user(username: string): User | null {
    return this.directory.get(username)?.user ?? null;
  }

  presence(username: string): UserPresence | null {
    const record = this.directory.get(username);
    if (!record) return null;
    return { username, telephony: record.telephony.state as TelephonyState, rich: record.rich.state as RichState };
  }

  /** What every source currently says about a user's field (for explanations and diagnostics). */
  sourceReports(username: string, field: PresenceField): Observation[] {
    const record = this.directory.get(username);
    return record ? [...record.slot(field).reports.values()] : [];
  }

  /** Sources serving a field, best first, with the rule ranking each above the next. */
  ranking(field: PresenceField): readonly RankedSource[] {
    return this.aggregator.ranking(field);
  }

  decidingRule(a: RankedSource, b: RankedSource, field: PresenceField): string {
    return this.aggregator.decidingRule(a, b, field);
  }

  // ─── on-demand subscriptions ────────────────────────────────────────────────────────────────

  /** `holder` (e.g. a console connection id) wants `username` watched. False for unknown users. */
  addDemand(username: string, holder: string): boolean {
    const record = this.directory.get(username);
    if (!record) return false;
    if (record.demand.has(holder)) return true;
    record.demand.add(holder);
    if (record.demand.size === 1) {
      this.ownership.localDemandChanged(username, true);
      this.syncWatches(record);
    }
    return true;
  }

  removeDemand(username: string, holder: string): void {
    const record = this.directory.get(username);
    if (!record || !record.demand.delete(holder)) return;
    if (record.demand.size === 0) {
      this.ownership.localDemandChanged(username, false);
      this.syncWatches(record);
    }
  }

  /** Who wants a user watched (for Diagnostics). */
  demand(username: string): string[] {
    return [...(this.directory.get(username)?.demand ?? [])];
  }

  /** The diagnostics "subscribe" action: watch the user for one minute (renewed if repeated). */
  requestDiagnostics(username: string): { until: number } {
    if (!this.directory.get(username)) throw new NotFoundError("user", username);
    const previous = this.diagnosticsTimers.get(username);
    if (previous) this.clock.clearTimeout(previous);
    this.diagnosticsTimers.set(
      username,
      this.clock.setTimeout(() => {
        this.diagnosticsTimers.delete(username);
        this.removeDemand(username, DEMAND_DIAGNOSTICS);
      }, DIAGNOSTICS_WATCH_MS),
    );
    this.addDemand(username, DEMAND_DIAGNOSTICS);
    return { until: this.clock.now() + DIAGNOSTICS_WATCH_MS };
  }

  // ─── users ──────────────────────────────────────────────────────────────────────────────────

  /** Adds or edits a user (validated; unique extension and SIP URI), applied at once. */
  async saveUser(input: UserInput): Promise<"created" | "updated" | "unchanged"> {
    const user = validateUser(input);
    const outcome = await this.store.users.upsert(user);
    if (outcome === "unchanged") return outcome;
    const stored = (await this.store.users.get(user.username))!;
    const record = this.directory.put(stored);
    if (outcome === "created" && this.settings.get<boolean>("presence.monitorAll")) record.demand.add(DEMAND_MONITOR_ALL);
    this.syncWatches(record);
    this.aggregate(record, "telephony");
    this.aggregate(record, "rich");
    this.bus.publish({ type: "user", username: stored.username, user: stored });
    return outcome;
  }

  async removeUser(username: string): Promise<boolean> {
    const record = this.directory.get(username);
    if (!(await this.store.users.remove(username)) && !record) return false;
    if (record) {
      record.demand.clear();
      this.syncWatches(record);
      this.directory.remove(username);
    }
    const timer = this.diagnosticsTimers.get(username);
    if (timer) this.clock.clearTimeout(timer);
    this.diagnosticsTimers.delete(username);
    await this.writer.flush();
    await this.store.presence.forgetUser(username);
    this.bus.publish({ type: "user", username, user: null });
    return true;
  }

  // ─── connectors ─────────────────────────────────────────────────────────────────────────────

  connectorInfos(): ConnectorInfo[] {
    // One pass over the users for every connector's `watching` (readiness probes and metrics scrapes call this).
    const watching = new Map<string, number>();
    for (const r of this.directory.all()) {
      for (const id of r.telephony.watchingConnectors) watching.set(id, (watching.get(id) ?? 0) + 1);
      for (const id of r.rich.watchingConnectors) watching.set(id, (watching.get(id) ?? 0) + 1);
    }
    return [...this.connectors.values()].sort((a, b) => a.record.position - b.record.position || a.id.localeCompare(b.id)).map((c) => this.info(c, watching.get(c.id) ?? 0));
  }

  connectorInfo(id: string): ConnectorInfo {
    const runtime = this.connectors.get(id);
    if (!runtime) throw new NotFoundError("connector", id);
    return this.info(runtime, this.watchingCount(id));
  }

  /**
   * Adds or replaces a connector configuration and applies it at once: the old instance stops,
   * the new one starts (when the hub runs) and watched users are re-subscribed through it.
   * Settings are validated against the type's schema first; a secret left out keeps its value.
   */
  async saveConnector(input: Omit<ConnectorRecord, "secrets"> & { secrets?: Readonly<Record<string, string>> }): Promise<ConnectorInfo> {
    const registration = this.registrations.get(input.type);
    if (!registration) {
      throw new ConfigError(`connector ${input.id}`, [
        { path: "type", message: `unknown connector type "${input.type}" (known: ${[...this.registrations.keys()].join(", ") || "none"})` },
      ]);
    }
    const existing = this.connectors.get(input.id);
    const secrets: Record<string, string> = { ...(existing?.record.type === input.type ? existing.record.secrets : {}), ...(input.secrets ?? {}) };
    const settings: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input.settings)) {
      if (registration.secretSettings.includes(k)) {
        if (typeof v === "string") secrets[k] = v;
      } else settings[k] = v;
    }
    for (const k of Object.keys(secrets)) if (!registration.secretSettings.includes(k)) delete secrets[k];
    registration.validator.validate({ ...settings, ...secrets });
    const record: ConnectorRecord = { id: input.id, type: input.type, enabled: input.enabled, position: input.position, settings, secrets };
    await this.store.connectors.save(record);
    await this.replaceRuntime(record);
    this.bus.publish({ type: "connector-config", id: record.id });
    return this.connectorInfo(record.id);
  }

  /** The connector's recent protocol messages (optionally one user's), for Diagnostics. */
  connectorTrace(id: string, filter: { username?: string; limit?: number } = {}): MessageTraceEntry[] {
    const runtime = this.connectors.get(id);
    if (!runtime) throw new NotFoundError("connector", id);
    return runtime.trace(filter);
  }

  /** The connector's counters (messages, parse errors…), for Diagnostics and metrics. */
  connectorCounters(id: string): Readonly<Record<string, number>> {
    const runtime = this.connectors.get(id);
    if (!runtime) throw new NotFoundError("connector", id);
    return runtime.counters();
  }

  async removeConnector(id: string): Promise<boolean> {
    if (!this.connectors.has(id)) return false;
    await this.replaceRuntime(null, id);
    const removed = await this.store.connectors.remove(id);
    // A preference naming a connector that no longer exists would silently do nothing.
    if (this.settings.get<string | null>("presence.preferredServer") === id) await this.settings.set("presence.preferredServer", null);
    this.bus.publish({ type: "connector-config", id });
    return removed;
  }

  // ─── internals ──────────────────────────────────────────────────────────────────────────────

  /** Users' fields this connector watches. */
  private watchingCount(id: string): number {
    let watching = 0;
    for (const r of this.directory.all()) {
      if (r.telephony.watchingConnectors.has(id)) watching++;
      if (r.rich.watchingConnectors.has(id)) watching++;
    }
    return watching;
  }

  private info(c: ConnectorRuntime, watching: number): ConnectorInfo {
    const reg = c.registration;
    const secretsSet: Record<string, boolean> = {};
    for (const k of reg?.secretSettings ?? []) secretsSet[k] = Boolean(c.record.secrets[k]);
    return { id: c.id, type: c.record.type, enabled: c.record.enabled, position: c.record.position, health: this.connectorHealth(c), settings: c.record.settings, secretsSet, watching };
  }

  private connectorHealth(c: ConnectorRuntime): ConnectorHealth {
    const service = this.services.has(`connector:${c.id}`) ? this.services.get(`connector:${c.id}`) : null;
    const failure = service?.state === "failed" ? service.lastError : null;
    return c.health(failure);
  }

  private addRuntime(record: ConnectorRecord): ConnectorRuntime {
    const registration = this.registrations.get(record.type) ?? null;
    // The plugin id in the bindings lets `log.components: { sip-simple: debug }` reach its connectors.
    const logger = this.logger.child(registration ? { plugin: registration.pluginId, connector: record.id } : { connector: record.id });
    const runtime = new ConnectorRuntime(record, registration, logger, this.clock, this);
    this.connectors.set(record.id, runtime);
    const serviceId = `connector:${record.id}`;
    if (!this.services.has(serviceId)) {
      this.services.add(
        serviceId,
        "connector",
        async () => {
          const current = this.connectors.get(record.id);
          if (!current) throw new Error("connector was removed");
          if (!this.running) throw new Error("the hub service is stopped; start it first");
          await current.start();
          for (const r of this.directory.all()) this.syncWatches(r);
        },
        async () => {
          const current = this.connectors.get(record.id);
          if (current) await this.stopRuntime(current, "connector stopped");
        },
      );
    }
    return runtime;
  }

  /** Stops a runtime and marks what it watched as errors (a stopped source is not silent). */
  private async stopRuntime(runtime: ConnectorRuntime, reason: string): Promise<void> {
    await runtime.stop();
    const at = this.clock.now();
    for (const record of this.directory.all()) {
      for (const field of PRESENCE_FIELDS) {
        const slot = record.slot(field);
        if (!slot.watchingConnectors.delete(runtime.id)) continue;
        slot.reports.set(runtime.id, { source: runtime.id, userKey: slot.watchedKey!, at, field, report: { kind: "error", status: "error", reason } } as Observation);
        this.writer.markDirty(slot);
        this.aggregate(record, field);
      }
    }
  }

  private async replaceRuntime(record: ConnectorRecord | null, id = record?.id ?? ""): Promise<void> {
    const old = this.connectors.get(id);
    const serviceId = `connector:${id}`;
    if (old) {
      if (this.services.has(serviceId)) await this.services.stop(serviceId);
      this.connectors.delete(id);
      for (const r of this.directory.all()) {
        for (const field of PRESENCE_FIELDS) {
          const slot = r.slot(field);
          slot.watchingConnectors.delete(id);
          if (slot.reports.delete(id)) this.writer.markRemoved({ username: r.user.username, field, source: id });
        }
      }
    }
    if (record) this.addRuntime(record);
    else if (this.services.has(serviceId)) await this.services.remove(serviceId);
    this.rerank();
    this.reaggregateAll();
    const runtime = record ? this.connectors.get(id)! : null;
    if (runtime && this.running && runtime.serving) await this.services.start(serviceId);
    else if (runtime) this.onHealth(runtime);
  }

  private rebuildAggregator(): void {
    const order = this.settings.get<string[]>("presence.rankingRules");
    const byId = new Map(this.rankingRules.map((r) => [r.id, r]));
    const rules = order.map((id) => byId.get(id)).filter((r): r is SourceRankingRule => r !== undefined);
    this.aggregator = new Aggregator(rules, this.forwardClassifiers);
  }

  private rerank(): void {
    for (const field of PRESENCE_FIELDS) {
      const sources: RankedSource[] = [];
      for (const c of this.connectors.values()) {
        const def = c.registration?.definition;
        if (!c.serving || !def) continue;
        const fields = typeof def.fields === "function" ? def.fields(c.settings as never) : def.fields;
        if (!fields.includes(field)) continue;
        const sourceClass = typeof def.sourceClass === "function" ? def.sourceClass(c.settings as never) : def.sourceClass;
        sources.push({ id: c.id, type: def.type, sourceClass, position: c.record.position });
      }
      this.aggregator.setSources(field, sources);
    }
  }

  private reaggregateAll(): void {
    for (const record of this.directory.all()) {
      this.aggregate(record, "telephony");
      this.aggregate(record, "rich");
    }
  }

  private onSetting(key: string): void {
    if (key === "presence.monitorAll") {
      const on = this.settings.get<boolean>(key);
      for (const r of this.directory.all()) {
        if (on) this.addDemand(r.user.username, DEMAND_MONITOR_ALL);
        else this.removeDemand(r.user.username, DEMAND_MONITOR_ALL);
      }
      return;
    }
    // Any other setting may change a rule's outcome (preferred server, voicemail pilot…):
    // re-rank and re-evaluate everyone at once; no restart.
    this.rebuildAggregator();
    this.rerank();
    this.reaggregateAll();
  }

  /** Makes the connectors' watches for a user match demand, keys and running connectors. */
  private syncWatches(record: UserRecord): void {
    for (const field of PRESENCE_FIELDS) {
      const slot = record.slot(field);
      const demanded = this.demanded(record);
      const old = slot.watchedKey;
      let wanted = this.running && demanded ? UserDirectory.keyFor(record.user, field) : null;
      // The same key again: keep the object the connectors' targets and the reports already hold
      // (a fresh copy per re-sync left two 40-byte keys per watched field).
      if (old && wanted && sameKey(old, wanted)) wanted = old;
      if (old && (!wanted || !sameKey(old, wanted))) {
        for (const id of slot.watchingConnectors) this.connectors.get(id)?.unwatch(target(slot, old));
        slot.watchingConnectors.clear();
        slot.watchedKey = null;
      }
      if (!wanted && !demanded) this.clearReports(slot);
      if (old && wanted && !sameKey(old, wanted)) this.clearReports(slot);
      if (wanted) {
        slot.watchedKey = wanted;
        const now = this.clock.now();
        for (const c of this.aggregator.ranking(field)) {
          const runtime = this.connectors.get(c.id);
          if (!this.ownership.owns(c.id, field, wanted)) {
            // Another node watches this one (cluster): release it if we held it; its
            // observations arrive through the cluster.
            if (slot.watchingConnectors.delete(c.id)) runtime?.unwatch(target(slot, wanted));
            continue;
          }
          if (!runtime?.running || slot.watchingConnectors.has(c.id)) continue;
          slot.watchingConnectors.add(c.id);
          const existing = slot.reports.get(c.id);
          if (!existing || existing.report.kind === "error") {
            slot.reports.set(c.id, { source: c.id, userKey: wanted, at: now, field, report: { kind: "requesting" } } as Observation);
          }
          runtime.watch(target(slot, wanted));
        }
        this.writer.markDirty(slot);
      }
      this.aggregate(record, field);
    }
  }

  private clearReports(slot: FieldSlot): void {
    if (slot.reports.size === 0) return;
    for (const source of slot.reports.keys()) this.writer.markRemoved({ username: slot.username, field: slot.field, source });
    slot.reports.clear();
  }

  /** Someone wants the user watched, here or (cluster) on another node. */
  private demanded(record: UserRecord): boolean {
    return record.demand.size > 0 || this.ownership.demandedElsewhere(record.user.username);
  }

  private fallback(record: UserRecord, field: PresenceField): ServiceFallback {
    if (!UserDirectory.keyFor(record.user, field)) return FALLBACK.userNotConfigured[field];
    if (!this.demanded(record)) return FALLBACK.notRequested;
    if (!this.aggregator.hasSources(field)) return FALLBACK.serverNotConfigured;
    return FALLBACK.requesting;
  }

  /** Recomputes a field's shown state; on change: keep, write behind, record history, publish. */
  private aggregate(record: UserRecord, field: PresenceField): void {
    const slot = record.slot(field);
    const previous = slot.state;
    const now = this.clock.now();
    const fallback = this.fallback(record, field);
    const next =
      field === "telephony"
        ? this.aggregator.telephony(record.user, slot.reports as ReadonlyMap<string, Observation & { report: TelephonyReport }>, fallback, previous as TelephonyState | null, now)
        : this.aggregator.rich(slot.reports as ReadonlyMap<string, Observation & { report: RichReport }>, fallback, previous as RichState | null, now);
    if (next === previous) return;
    slot.state = next;
    this.writer.markDirty(slot);
    if (!previous || previous.status !== next.status) {
      this.writer.recordHistory({ username: slot.username, field, status: next.status, source: next.provenance.source, rule: next.provenance.rule, at: next.since });
    }
    this.bus.publish({ type: "presence", username: slot.username, field, state: next });
  }
}

function sameKey(a: UserKey, b: UserKey): boolean {
  return a.by === b.by && a.value === b.value;
}

function target(slot: FieldSlot, key: UserKey): WatchTarget {
  return { field: slot.field, key, username: slot.username };
}
