import type { CounterMetric, HistogramMetric, LabelledMetric, MetricEmitter } from "../contracts/metrics.js";
import type { EventBus } from "../hub/event-bus.js";
import type { ConnectorInfo, Hub } from "../hub/hub.js";
import type { ServiceRegistry } from "../hub/service-registry.js";
import type { WriteObserver } from "../hub/presence-writer.js";
import { CONNECTOR_STATUSES, isPositiveConnectorStatus } from "../model/connector-status.js";
import { PRESENCE_FIELDS } from "../model/presence-status.js";
import { CONNECTOR_COUNTER_FAMILIES, familyOf, OTHER_COUNTERS, type CounterFamily } from "./connector-counter-families.js";
import type { PrometheusMetrics } from "./prometheus-metrics.js";

/** Store write latencies worth telling apart: a healthy SQLite commits in ~1 ms, a loaded PostgreSQL in tens. */
const STORE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** What one scrape reads from the connectors, taken once and shared by every connector family. */
interface ConnectorSnapshot {
  readonly info: ConnectorInfo;
  readonly counters: Readonly<Record<string, number>>;
}

/**
 * The core's families: hub and connector state read at scrape time, plus the store-write
 * histogram the presence writer feeds. Plugins add theirs through `Tokens.Metrics`.
 */
export class HubMetrics {
  private snapshot: ConnectorSnapshot[] = [];
  private readonly storeWrites: HistogramMetric;
  private readonly storeFailures: CounterMetric;
  private readonly httpRequests: LabelledMetric<CounterMetric>;

  constructor(
    private readonly metrics: PrometheusMetrics,
    version: string,
  ) {
    metrics.collect({ name: "presence_hub_info", help: "Always 1; the version as a label.", type: "gauge", labelNames: ["version"] }, (emit) => emit(1, { version }));
    this.storeWrites = metrics
      .histogram({ name: "presence_hub_store_write_duration_seconds", help: "Time to commit one batch of presence writes (write-behind, one transaction per 50 ms at most).", buckets: STORE_BUCKETS })
      .labels();
    this.storeFailures = metrics.counter({ name: "presence_hub_store_write_failures_total", help: "Presence write batches that failed (kept and retried with backoff)." }).labels();
    this.httpRequests = metrics.counter({ name: "presence_hub_http_requests_total", help: "HTTP requests answered, by method and status code (401s are failed logins and bad tokens).", labelNames: ["method", "status"] });
  }

  /** The presence writer's observer: one histogram sample per batch. */
  readonly writeObserver: WriteObserver = (seconds, ok) => {
    this.storeWrites.observe(seconds);
    if (!ok) this.storeFailures.inc();
  };

  /** Counts one answered HTTP request. */
  httpResponse(method: string, status: number): void {
    this.httpRequests.labels(method, String(status)).inc(); // labels() keeps one cell per method and status
  }

  /** Registers the families that read the hub, its connectors and services at scrape time. */
  attach(hub: Hub, services: ServiceRegistry, bus: EventBus): void {
    const m = this.metrics;
    m.beforeScrape(() => {
      this.snapshot = hub.connectorInfos().map((info) => ({ info, counters: safeCounters(hub, info.id) }));
    });
    m.collect({ name: "presence_hub_connector_up", help: "1 when the connector works (up-and-running or credentials-not-found), else 0.", type: "gauge", labelNames: ["connector", "type"] }, (emit) => {
      for (const { info } of this.snapshot) emit(isPositiveConnectorStatus(info.health.status) ? 1 : 0, { connector: info.id, type: info.type });
    });
    m.collect({ name: "presence_hub_connector_status", help: "The connector's status as a state set: 1 for the current status, 0 for the others.", type: "gauge", labelNames: ["connector", "status"] }, (emit) => {
      for (const { info } of this.snapshot) for (const s of CONNECTOR_STATUSES) emit(info.health.status === s ? 1 : 0, { connector: info.id, status: s });
    });
    m.collect({ name: "presence_hub_connector_watched_targets", help: "Targets (user × field) the hub asks the connector to watch now (on-demand subscriptions).", type: "gauge", labelNames: ["connector"] }, (emit) => {
      for (const { info } of this.snapshot) emit(info.watching, { connector: info.id });
    });
    for (const family of [...CONNECTOR_COUNTER_FAMILIES, OTHER_COUNTERS]) this.connectorFamily(family);

    m.collect({ name: "presence_hub_users", help: "Users known to the hub.", type: "gauge" }, (emit) => emit(hub.users().length));
    m.collect({ name: "presence_hub_presence_users", help: "Users by the status shown now, per field (telephony, rich).", type: "gauge", labelNames: ["field", "status"] }, (emit) => {
      const counts = new Map<string, number>();
      for (const u of hub.users()) {
        const p = hub.presence(u.username);
        if (!p) continue;
        for (const field of PRESENCE_FIELDS) {
          const key = `${field}\u0000${p[field].status}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      for (const [key, n] of counts) {
        const [field, status] = key.split("\u0000") as [string, string];
        emit(n, { field, status });
      }
    });
    m.collect({ name: "presence_hub_events_total", help: "Hub events published (presence changes, user and connector changes…).", type: "counter" }, (emit) => emit(bus.lastSeq));
    m.collect({ name: "presence_hub_service_running", help: "1 when the service (hub, connector, plugin part) is running, else 0 (stopped, failed, starting).", type: "gauge", labelNames: ["service", "kind"] }, (emit) => {
      for (const s of services.list()) emit(s.state === "running" ? 1 : 0, { service: s.id, kind: s.kind });
    });
  }

  /** Registers cluster families reading the node's own statistics. */
  attachCluster(stats: Readonly<Record<"sent" | "received" | "claims" | "releases" | "fenced", number>>): void {
    const families: [keyof typeof stats, string, string][] = [
      ["sent", "presence_hub_cluster_notifies_sent_total", "Cluster messages (PostgreSQL NOTIFY) this node sent."],
      ["received", "presence_hub_cluster_notifies_received_total", "Cluster messages this node received."],
      ["claims", "presence_hub_cluster_claims_total", "Watch units this node claimed."],
      ["releases", "presence_hub_cluster_releases_total", "Watch units this node released."],
      ["fenced", "presence_hub_cluster_fenced_total", "Times this node fenced itself (lost its database lease)."],
    ];
    for (const [key, name, help] of families) this.metrics.collect({ name, help, type: "counter" }, (emit) => emit(stats[key]));
  }

  private connectorFamily(family: CounterFamily): void {
    const labelNames = family.label ? ["connector", family.label] : ["connector"];
    this.metrics.collect({ name: family.name, help: family.help, type: family.type, labelNames }, (emit: MetricEmitter) => {
      for (const { info, counters } of this.snapshot) {
        for (const [counter, value] of Object.entries(counters)) {
          const { family: f, labelValue } = familyOf(counter);
          if (f !== family || !Number.isFinite(value)) continue;
          emit(value, family.label ? { connector: info.id, [family.label]: labelValue! } : { connector: info.id });
        }
      }
    });
  }
}

/** A connector's counters; a connector that throws in `counters()` must not break the scrape. */
function safeCounters(hub: Hub, id: string): Readonly<Record<string, number>> {
  try {
    return hub.connectorCounters(id);
  } catch {
    return {};
  }
}
