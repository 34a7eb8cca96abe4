/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: it
 * throws, naming the line, on anything a Prometheus server would reject or that breaks the
 * format's rules — bad names, bad label syntax or escapes, unparsable values, a family typed
 * twice or typed after its samples, a family's samples split apart, duplicate series, histogram
 * buckets without `le`, non-cumulative buckets, a `+Inf` bucket that differs from `_count`.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string | null;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: ReadonlySet<string> = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/** Parses the whole text; the result maps family names to families. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily & { samples: Sample[]; typed: boolean }>();
  const closed = new Set<string>();
  const seenSeries = new Set<string>();
  let current: string | null = null;
  const lines = text.split("\n");
  if (lines[lines.length - 1] !== "") throw new Error("the text must end with a newline");
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line.slice(0, 120))}`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, "HELP" | "TYPE", string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      const fam = families.get(name) ?? { name, type: "untyped" as MetricType, help: null, samples: [], typed: false };
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        if (fam.typed) throw new Error(`${where}: second TYPE line for ${name}`);
        if (fam.samples.length) throw new Error(`${where}: TYPE after samples of ${name}`);
        families.set(name, { ...fam, type: rest as MetricType, typed: true });
      } else {
        if (fam.help !== null) throw new Error(`${where}: second HELP line for ${name}`);
        unescape(rest, false, where);
        families.set(name, { ...fam, help: rest });
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, families);
    if (current !== family) {
      if (current !== null) closed.add(current);
      if (closed.has(family)) throw new Error(`${where}: samples of ${family} are not together`);
      current = family;
    }
    const key = `${sample.name}{${Object.entries(sample.labels).sort().map(([k, v]) => `${k}=${v}`).join(",")}}`;
    if (seenSeries.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    seenSeries.add(key);
    let fam = families.get(family);
    if (!fam) {
      fam = { name: family, type: "untyped", help: null, samples: [], typed: false };
      families.set(family, fam);
    }
    fam.samples.push(sample);
  });
  for (const fam of families.values()) if (fam.type === "histogram") checkHistogram(fam);
  return new Map([...families].map(([k, f]) => [k, { name: f.name, type: f.type, help: f.help, samples: f.samples }]));
}

/** The value of the one sample of `name` whose labels include `labels`; throws if none or several match. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const matches = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length !== 1) throw new Error(`${matches.length} samples of ${name}${JSON.stringify(labels)}`);
  return matches[0]!.value;
}

/** Like {@link sampleValue}, but 0 when there is no such sample yet. */
export function sampleValueOr0(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  try {
    return sampleValue(families, name, labels);
  } catch {
    return 0;
  }
}

function familyOf(sampleName: string, families: Map<string, { type: MetricType }>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const t = families.get(base)?.type;
    if (t === "histogram" || (t === "summary" && suffix !== "_bucket")) return base;
  }
  return sampleName;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?/.exec(line);
  if (!m) throw new Error(`${where}: bad metric name`);
  const name = m[1]!;
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (m[2]) {
    pos++;
    for (;;) {
      if (line[pos] === "}") {
        pos++;
        break;
      }
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(pos));
      if (!lm || !LABEL_NAME.test(lm[1]!)) throw new Error(`${where}: bad label at column ${pos + 1}`);
      pos += lm[0].length;
      let raw = "";
      while (pos < line.length && line[pos] !== '"') {
        if (line[pos] === "\\") {
          raw += line.slice(pos, pos + 2);
          pos += 2;
        } else raw += line[pos++];
      }
      if (line[pos] !== '"') throw new Error(`${where}: unterminated label value`);
      pos++;
      if (lm[1]! in labels) throw new Error(`${where}: label ${lm[1]} twice`);
      labels[lm[1]!] = unescape(raw, true, where);
      if (line[pos] === ",") pos++;
      else if (line[pos] !== "}") throw new Error(`${where}: expected , or } at column ${pos + 1}`);
    }
  }
  const rest = line.slice(pos);
  const vm = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!vm) throw new Error(`${where}: expected " value [timestamp]"`);
  return { name, labels, value: parseValue(vm[1]!, where) };
}

/** Values as Prometheus reads them (Go's strconv.ParseFloat): `NaN`, `Nan`, `+Inf`, `-inf` in any case. */
function parseValue(text: string, where: string): number {
  if (/^nan$/i.test(text)) return NaN;
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

function unescape(raw: string, quotes: boolean, where: string): string {
  return raw.replace(/\\(.)/g, (_m, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    if (c === '"' && quotes) return '"';
    throw new Error(`${where}: bad escape \\${c}`);
  });
}

function checkHistogram(fam: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of fam.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${fam.name}_bucket`) {
      if (le === undefined) throw new Error(`${fam.name}: bucket without le`);
      entry.buckets.push([parseValue(le, fam.name), s.value]);
    } else if (s.name === `${fam.name}_count`) entry.count = s.value;
    else if (s.name === `${fam.name}_sum`) entry.sum = s.value;
    else throw new Error(`${fam.name}: unexpected sample ${s.name} in a histogram`);
  }
  for (const [key, e] of series) {
    const last = e.buckets[e.buckets.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${fam.name}${key}: no +Inf bucket`);
    for (let i = 1; i < e.buckets.length; i++) {
      if (e.buckets[i]![0] <= e.buckets[i - 1]![0]) throw new Error(`${fam.name}${key}: buckets not in increasing le order`);
      if (e.buckets[i]![1] < e.buckets[i - 1]![1]) throw new Error(`${fam.name}${key}: buckets not cumulative`);
    }
    if (e.count === undefined || e.sum === undefined) throw new Error(`${fam.name}${key}: _count or _sum missing`);
    if (last[1] !== e.count) throw new Error(`${fam.name}${key}: +Inf bucket ${last[1]} differs from _count ${e.count}`);
  }
}
