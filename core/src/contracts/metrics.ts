/**
 * Metrics plugins can add to the hub's Prometheus endpoint (`GET /metrics`), resolved with
 * `container.resolve(Tokens.Metrics)`. The families are Prometheus's, without tying plugins to a
 * client library (two copies of one would mean two registries).
 *
 * Names start with `presence_hub_`, are snake case, and counters end in `_total`. Hot paths stay
 * cheap: bind label values once (`labels(...)` returns a child to keep), then `inc()` is an
 * addition; or keep plain numbers in your own object and report them with {@link Metrics.collect},
 * which runs only when Prometheus scrapes.
 */
export interface Metrics {
  /** A counter family the caller increments. */
  counter(definition: MetricDefinition): LabelledMetric<CounterMetric>;
  /** A histogram family (e.g. latencies in seconds) the caller observes into. */
  histogram(definition: MetricDefinition & { readonly buckets: readonly number[] }): LabelledMetric<HistogramMetric>;
  /** A counter or gauge family read at scrape time: `read` emits the current value per label set. */
  collect(definition: MetricDefinition & { readonly type: "counter" | "gauge" }, read: (emit: MetricEmitter) => void): void;
}

/** A metric family's identity. */
export interface MetricDefinition {
  /** `presence_hub_…`, snake case; counters end in `_total`. */
  readonly name: string;
  /** One sentence shown as `# HELP`. */
  readonly help: string;
  /** Label names, in the order `labels(...)` takes their values; none by default. */
  readonly labelNames?: readonly string[];
}

/** A family: `labels(...values)` binds one label set (keep the result; binding allocates). */
export interface LabelledMetric<M> {
  labels(...values: string[]): M;
}

export interface CounterMetric {
  inc(by?: number): void;
}

export interface HistogramMetric {
  observe(value: number): void;
}

/** Emits one sample of a collected family: its value and, when the family has labels, their values by name. */
export type MetricEmitter = (value: number, labels?: Readonly<Record<string, string>>) => void;
