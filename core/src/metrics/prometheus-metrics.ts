import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CounterMetric, HistogramMetric, LabelledMetric, MetricDefinition, MetricEmitter, Metrics } from "../contracts/metrics.js";

const NAME = /^presence_hub_[a-z0-9_]+$/;
const LABEL = /^[a-z_][a-z0-9_]*$/;

/** One bound label set of a counter: a plain number, so `inc()` on a hot path is an addition. */
class CounterCell implements CounterMetric {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

let processRegistry: Registry | null = null;

/**
 * Process metrics (CPU, memory, event-loop lag, GC, file descriptors) in a registry shared by
 * every hub in the process: prom-client's collectors install event-loop and GC observers that
 * are never removed, so they are set up once per process, not once per hub (tests start many).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The hub's {@link Metrics} on prom-client: one registry per hub, rendered together with the
 * process metrics as Prometheus text (version 0.0.4).
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly hooks: (() => void)[] = [];

  /** The content type of {@link render}'s text. */
  readonly contentType: string = this.registry.contentType;

  counter(definition: MetricDefinition): LabelledMetric<CounterMetric> {
    this.check(definition, "counter");
    const labelNames = definition.labelNames ?? [];
    const cells = new Map<string, { labels: Record<string, string>; cell: CounterCell }>();
    new Counter({
      name: definition.name,
      help: definition.help,
      labelNames: [...labelNames],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { labels, cell } of cells.values()) this.inc(labels, cell.value);
      },
    });
    return {
      labels: (...values: string[]): CounterMetric => {
        if (values.length !== labelNames.length) throw new Error(`${definition.name} takes ${labelNames.length} label values (${labelNames.join(", ")}), got ${values.length}`);
        const key = values.join("\u0000");
        let entry = cells.get(key);
        if (!entry) {
          const labels: Record<string, string> = {};
          labelNames.forEach((n, i) => (labels[n] = values[i]!));
          entry = { labels, cell: new CounterCell() };
          cells.set(key, entry);
        }
        return entry.cell;
      },
    };
  }

  histogram(definition: MetricDefinition & { readonly buckets: readonly number[] }): LabelledMetric<HistogramMetric> {
    this.check(definition, "histogram");
    const labelNames = definition.labelNames ?? [];
    const h = new Histogram({ name: definition.name, help: definition.help, labelNames: [...labelNames], buckets: [...definition.buckets], registers: [this.registry] });
    return {
      labels: (...values: string[]): HistogramMetric => {
        if (values.length !== labelNames.length) throw new Error(`${definition.name} takes ${labelNames.length} label values (${labelNames.join(", ")}), got ${values.length}`);
        if (values.length === 0) return { observe: (v: number) => h.observe(v) };
        // prom-client hashes the label set on every observation: fine for what histograms
        // measure here (one store batch, one console frame), not for a per-message path.
        return h.labels(...values);
      },
    };
  }

  collect(definition: MetricDefinition & { readonly type: "counter" | "gauge" }, read: (emit: MetricEmitter) => void): void {
    this.check(definition, definition.type);
    const config = { name: definition.name, help: definition.help, labelNames: [...(definition.labelNames ?? [])], registers: [this.registry] };
    if (definition.type === "counter") {
      new Counter({
        ...config,
        collect() {
          this.reset();
          read((value, labels) => (labels ? this.inc(labels, value) : this.inc(value)));
        },
      });
    } else {
      new Gauge({
        ...config,
        collect() {
          this.reset();
          read((value, labels) => (labels ? this.set(labels, value) : this.set(value)));
        },
      });
    }
  }

  /**
   * Runs before each scrape's collectors: takes a snapshot that several families read (e.g. every
   * connector's counters), so it is computed once per scrape rather than once per family.
   */
  beforeScrape(hook: () => void): void {
    this.hooks.push(hook);
  }

  /** Every metric as Prometheus text: the process's, then the hub's. */
  async render(): Promise<string> {
    for (const hook of this.hooks) hook();
    return `${await processMetrics().metrics()}\n${await this.registry.metrics()}`;
  }

  private check(definition: MetricDefinition, type: "counter" | "gauge" | "histogram"): void {
    const name = definition.name;
    if (!NAME.test(name)) throw new Error(`metric name ${JSON.stringify(name)} must be snake case and start with presence_hub_`);
    if (type === "counter" && !name.endsWith("_total")) throw new Error(`counter ${name} must end in _total`);
    if (type !== "counter" && name.endsWith("_total")) throw new Error(`${type} ${name} must not end in _total (that suffix means a counter)`);
    for (const l of definition.labelNames ?? []) if (!LABEL.test(l)) throw new Error(`label ${JSON.stringify(l)} of ${name} must be snake case`);
    if (this.registry.getSingleMetric(name)) throw new Error(`metric ${name} is registered twice`);
  }
}
