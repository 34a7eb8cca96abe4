import type { Knex } from "knex";
import type { Clock, TimerHandle } from "../contracts/clock.js";
import type { HubEnvelope } from "../contracts/hub-event.js";
import type { Logger } from "../contracts/logger.js";
import type { Notifier } from "../contracts/notifier.js";
import type { WatchOwnership } from "../contracts/watch-ownership.js";
import type { Observation, UserKey } from "../model/observation.js";
import type { PresenceField } from "../model/presence-status.js";
import type { Hub } from "../hub/hub.js";
import type { SettingsService } from "../hub/settings-service.js";
import { PgChannel } from "./pg-channel.js";
import { rendezvousOwner } from "./rendezvous.js";

export interface ClusterOptions {
  readonly nodeId: string;
  /** A node that has not renewed its lease for this long is dead; its work moves. */
  readonly leaseMs: number;
  /** How other nodes and admins reach this node (for Manage Services). */
  readonly address: string;
  /** PostgreSQL URL for the LISTEN connection. */
  readonly connection: string;
}

/** What the nodes say to each other over LISTEN/NOTIFY (`n` = sender). */
type ClusterMessage =
  | { k: "o"; n: string; o: Observation }
  | { k: "u"; n: string; u: string }
  | { k: "c"; n: string; c: string }
  | { k: "s"; n: string; s: string }
  | { k: "a"; n: string; u: string; a: string }
  | { k: "d"; n: string; u: string; on: boolean }
  | { k: "m"; n: string };

/** One node of the cluster as Manage Services shows it. */
export interface ClusterNodeInfo {
  readonly nodeId: string;
  readonly address: string;
  readonly startedAt: number;
  readonly heartbeatAgeMs: number;
  readonly alive: boolean;
  /** Outbound watches (subscriptions, monitors) this node holds. */
  readonly watches: number;
  readonly self: boolean;
}

/**
 * Cluster mode on a shared PostgreSQL, with no cluster protocol of our own:
 *
 * - **Liveness**: each node renews a lease row (`cluster_nodes.heartbeat_at`, database time)
 *   every lease/3. A node that cannot renew for 0.8 lease stops every watch it holds (it fences
 *   itself) before the others, who wait a full lease, take its work over.
 * - **Ownership**: every outbound watch (connector, field, key) is a unit owned by the node that
 *   rendezvous hashing picks among live nodes, and held through a claim row
 *   (`cluster_claims`, primary key = unit). A node claims only units whose holder is itself or
 *   dead; a node that is no longer the chosen owner releases first. So a unit is never watched
 *   by two nodes at once, a dead node's units move within about 1⅓ leases, and a returning node
 *   takes back only its share (about 1/N), paced by the connectors' pacers.
 * - **Demand**: consoles on any node count: each node records which users it has demand for
 *   (`cluster_demand`) and tells the others.
 * - **State**: connectors' observations are shared (NOTIFY) and every node aggregates them with
 *   the same rules; changes of users, connectors, settings and notes made on one node are
 *   re-read from the store by the others, so consoles everywhere see them in real time.
 */
export class ClusterNode implements WatchOwnership, Notifier {
  readonly name = "cluster";
  private live: string[] = [];
  private readonly held = new Set<string>();
  private readonly elsewhere = new Map<string, Set<string>>();
  private readonly channel: PgChannel;
  private timer: TimerHandle | null = null;
  private lastRenewOk = 0;
  private fenced = false;
  private ticking = false;
  private stopped = false;
  /** Messages and latency counters (tests, metrics). */
  readonly stats = { sent: 0, received: 0, claims: 0, releases: 0, fenced: 0 };

  constructor(
    private readonly options: ClusterOptions,
    private readonly knex: Knex,
    private readonly hub: Hub,
    private readonly settings: SettingsService,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.channel = new PgChannel(options.connection, (p) => this.onMessage(p), () => this.afterReconnect(), logger);
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  async start(): Promise<void> {
    const now = await this.dbNow();
    await this.knex("cluster_nodes")
      .insert({ node_id: this.options.nodeId, address: this.options.address, started_at: now, heartbeat_at: now })
      .onConflict("node_id")
      .merge();
    this.lastRenewOk = this.clock.now();
    await this.channel.open();
    await this.refreshMembership();
    await this.loadDemand();
    this.send({ k: "m", n: this.options.nodeId });
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.held.clear();
    this.hub.reconcileWatches();
    try {
      await this.knex("cluster_claims").where({ node_id: this.options.nodeId }).delete();
      await this.knex("cluster_demand").where({ node_id: this.options.nodeId }).delete();
      await this.knex("cluster_nodes").where({ node_id: this.options.nodeId }).delete();
      this.send({ k: "m", n: this.options.nodeId });
    } catch (e) {
      this.logger.warn({ err: e }, "could not leave the cluster cleanly; the others will notice by the lease");
    }
    await this.channel.close();
  }

  // ─── WatchOwnership ─────────────────────────────────────────────────────────────────────────

  owns(connectorId: string, field: PresenceField, key: UserKey): boolean {
    return !this.fenced && this.held.has(this.hub.ownershipUnit(connectorId, field, key));
  }

  demandedElsewhere(username: string): boolean {
    return (this.elsewhere.get(username)?.size ?? 0) > 0;
  }

  localDemandChanged(username: string, demanded: boolean): void {
    const node = this.options.nodeId;
    const write = demanded
      ? this.knex("cluster_demand").insert({ node_id: node, username }).onConflict(["node_id", "username"]).ignore()
      : this.knex("cluster_demand").where({ node_id: node, username }).delete();
    void Promise.resolve(write)
      .then(() => this.send({ k: "d", n: node, u: username, on: demanded }))
      .catch((e: unknown) => this.logger.warn({ err: e, user: username }, "could not record demand in the cluster"));
    this.soon();
  }

  shareObservation(observation: Observation): void {
    this.send({ k: "o", n: this.options.nodeId, o: observation });
  }

  // ─── Notifier: local changes the other nodes must re-read ───────────────────────────────────

  deliver(envelope: HubEnvelope): void {
    if (envelope.remote) return;
    const e = envelope.event;
    const n = this.options.nodeId;
    if (e.type === "user") this.send({ k: "u", n, u: e.username });
    else if (e.type === "setting") this.send({ k: "s", n, s: e.key });
    else if (e.type === "annotation") this.send({ k: "a", n, u: e.username, a: e.name });
    else if (e.type === "connector-config") this.send({ k: "c", n, c: e.id });
  }

  /** Every node with its lease and the watches it holds (Manage Services). */
  async nodes(): Promise<ClusterNodeInfo[]> {
    const now = await this.dbNow();
    const counts = new Map<string, number>();
    const rows = (await this.knex("cluster_claims").select("node_id").count({ n: "*" }).groupBy("node_id")) as unknown as { node_id: string; n: string | number }[];
    for (const r of rows) counts.set(r.node_id, Number(r.n));
    return (await this.knex("cluster_nodes").select().orderBy("node_id")).map((r) => ({
      nodeId: r.node_id,
      address: r.address,
      startedAt: Number(r.started_at),
      heartbeatAgeMs: now - Number(r.heartbeat_at),
      alive: now - Number(r.heartbeat_at) <= this.options.leaseMs,
      watches: counts.get(r.node_id) ?? 0,
      self: r.node_id === this.options.nodeId,
    }));
  }

  /** Units this node holds (tests). */
  get heldUnits(): ReadonlySet<string> {
    return this.held;
  }

  // ─── the loop ───────────────────────────────────────────────────────────────────────────────

  private soon(): void {
    if (this.stopped) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => void this.tick(), 50);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.ticking) return this.soon();
    this.ticking = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    try {
      await this.renew();
      if (!this.fenced) {
        await this.refreshMembership();
        await this.reconcileClaims();
      }
    } catch (e) {
      this.logger.warn({ err: e }, "cluster round failed");
    } finally {
      this.ticking = false;
      if (!this.stopped && !this.timer) this.timer = this.clock.setTimeout(() => void this.tick(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    }
  }

  /** Renews the lease; fences (stops every watch) when it could not for too long. */
  private async renew(): Promise<void> {
    try {
      const updated = await this.knex("cluster_nodes")
        .where({ node_id: this.options.nodeId })
        .update({ heartbeat_at: this.knex.raw("(extract(epoch from clock_timestamp()) * 1000)::bigint") });
      if (updated === 0) {
        const now = await this.dbNow();
        await this.knex("cluster_nodes").insert({ node_id: this.options.nodeId, address: this.options.address, started_at: now, heartbeat_at: now });
      }
      this.lastRenewOk = this.clock.now();
      if (this.fenced) {
        this.fenced = false;
        this.logger.info("cluster lease renewed again; taking part in ownership");
      }
    } catch (e) {
      if (!this.fenced && this.clock.now() - this.lastRenewOk > 0.8 * this.options.leaseMs) {
        this.fenced = true;
        this.stats.fenced++;
        this.held.clear();
        this.logger.error({ err: e }, "cannot renew the cluster lease: stopping every watch this node holds until the store is back");
        this.hub.reconcileWatches();
      }
      throw e;
    }
  }

  private async refreshMembership(): Promise<void> {
    const now = await this.dbNow();
    const rows = await this.knex("cluster_nodes").select("node_id").where("heartbeat_at", ">", now - this.options.leaseMs);
    const live = rows.map((r) => r.node_id as string).sort();
    if (live.join(",") === this.live.join(",")) return;
    const gone = this.live.filter((n) => !live.includes(n));
    this.live = live;
    if (gone.length) {
      this.logger.info({ gone }, "cluster nodes gone; their work moves");
      let changed = false;
      for (const [user, nodes] of this.elsewhere) {
        for (const g of gone) changed = nodes.delete(g) || changed;
        if (nodes.size === 0) this.elsewhere.delete(user);
      }
      await this.knex("cluster_demand").whereNotIn("node_id", live).delete();
      if (changed) this.hub.reconcileWatches();
    }
  }

  /** Claims the units this node should own, releases the ones it should not. */
  private async reconcileClaims(): Promise<void> {
    const me = this.options.nodeId;
    const wanted = new Set<string>();
    const toClaim: string[] = [];
    for (const t of this.hub.wantedTargets()) {
      const unit = this.hub.ownershipUnit(t.connectorId, t.field, t.key);
      if (wanted.has(unit)) continue;
      wanted.add(unit);
      if (rendezvousOwner(unit, this.live) === me && !this.held.has(unit)) toClaim.push(unit);
    }
    const toRelease = [...this.held].filter((u) => !wanted.has(u) || rendezvousOwner(u, this.live) !== me);
    let changed = false;
    if (toRelease.length) {
      for (const u of toRelease) this.held.delete(u);
      this.stats.releases += toRelease.length;
      this.hub.reconcileWatches(); // unwatch before the claim rows go: never two holders
      for (let i = 0; i < toRelease.length; i += 500) {
        await this.knex("cluster_claims").where({ node_id: me }).whereIn("unit", toRelease.slice(i, i + 500)).delete();
      }
    }
    const now = await this.dbNow();
    for (let i = 0; i < toClaim.length; i += 500) {
      const batch = toClaim.slice(i, i + 500);
      const rows = await this.knex("cluster_claims")
        .insert(batch.map((unit) => ({ unit, node_id: me, claimed_at: now })))
        .onConflict("unit")
        .merge(["node_id", "claimed_at"])
        .where((q) => q.where("cluster_claims.node_id", me).orWhereNotIn("cluster_claims.node_id", this.live))
        .returning("unit");
      for (const r of rows as { unit: string }[]) {
        this.held.add(r.unit);
        changed = true;
      }
      this.stats.claims += rows.length;
    }
    // Claims of dead nodes nobody wants any more.
    await this.knex("cluster_claims").whereNotIn("node_id", this.live).whereNotIn("unit", [...wanted].slice(0, 10000)).delete();
    if (changed) this.hub.reconcileWatches();
  }

  private async loadDemand(): Promise<void> {
    this.elsewhere.clear();
    for (const r of await this.knex("cluster_demand").select().whereNot({ node_id: this.options.nodeId }).whereIn("node_id", this.live)) {
      const set = this.elsewhere.get(r.username) ?? new Set<string>();
      set.add(r.node_id);
      this.elsewhere.set(r.username, set);
    }
    this.hub.reconcileWatches();
  }

  // ─── messages ───────────────────────────────────────────────────────────────────────────────

  private send(message: ClusterMessage): void {
    this.stats.sent++;
    void this.channel.send(JSON.stringify(message)).then((ok) => {
      if (!ok && message.k === "o") this.logger.debug("observation too large to share; other nodes will see it on the next change");
    });
  }

  private onMessage(payload: string): void {
    let m: ClusterMessage;
    try {
      m = JSON.parse(payload) as ClusterMessage;
    } catch {
      return;
    }
    if (m.n === this.options.nodeId) return;
    this.stats.received++;
    const failed = (e: unknown) => this.logger.warn({ err: e, kind: m.k }, "could not apply a cluster message");
    switch (m.k) {
      case "o":
        this.hub.applyRemoteObservation(m.o);
        return;
      case "u":
        return void this.hub.reloadUser(m.u).catch(failed);
      case "c":
        return void this.hub.reloadConnector(m.c).catch(failed);
      case "s":
        return void this.settings.reload(m.s).catch(failed);
      case "a":
        return void this.hub.refreshAnnotation(m.u, m.a).catch(failed);
      case "d": {
        const set = this.elsewhere.get(m.u) ?? new Set<string>();
        if (m.on) set.add(m.n);
        else set.delete(m.n);
        if (set.size) this.elsewhere.set(m.u, set);
        else this.elsewhere.delete(m.u);
        this.hub.reconcileWatches(m.u);
        this.soon();
        return;
      }
      case "m":
        this.soon();
        return;
    }
  }

  /** After the LISTEN connection came back, messages may have been missed: re-read demand. */
  private afterReconnect(): void {
    void this.loadDemand().then(() => this.soon());
  }

  private async dbNow(): Promise<number> {
    const r = await this.knex.raw("select (extract(epoch from clock_timestamp()) * 1000)::bigint as now");
    return Number((r as { rows: { now: string }[] }).rows[0]!.now);
  }
}
