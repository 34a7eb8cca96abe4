import type { ColdStartResult } from "../suites/cold-start.js";
import type { IngestRun } from "../suites/ingest.js";
import type { MemoryRun } from "../suites/memory.js";
import type { NotesResult } from "../suites/notes-cluster.js";
import type { MachineInfo, NoiseSummary } from "./machine.js";
import { fmt, fmtSpread, spread, type Spread } from "./stats.js";

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  readonly machine: MachineInfo;
  readonly durationS: number;
  readonly quick: boolean;
  readonly noise: Readonly<Record<string, NoiseSummary>>;
  readonly settings: { readonly users: number; readonly consoles: number; readonly latencyRate: number; readonly memorySizes: readonly number[]; readonly coldRateLimit: number; readonly coldPacing: number };
  readonly ingest?: readonly IngestRun[];
  readonly memory?: readonly MemoryRun[];
  readonly coldStart?: ColdStartResult;
  readonly notes?: NotesResult;
}

const CMD = "node scripts/dist/bench/run.js";

interface Row {
  readonly figure: string;
  readonly measured: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly goal: string;
  readonly met: string;
  readonly command: string;
}

/** BENCHMARKS.md: summary table with ratios and goals, then every run's details. */
export function renderReport(r: BenchResults): string {
  const rows: Row[] = [];
  const details: string[] = [];
  if (r.ingest) ingestSection(r, r.ingest, rows, details);
  if (r.memory) memorySection(r, r.memory, rows, details);
  if (r.coldStart) coldSection(r, r.coldStart, rows, details);
  if (r.notes) notesSection(r.notes, rows, details);
  const m = r.machine;
  const noiseRows = Object.entries(r.noise).map(
    ([name, n]) => `| ${name} | ${n.seconds} s | ${fmt(n.foreignAvgPct, 0)} % | ${fmt(n.foreignMaxPct, 0)} % | ${n.loadStart.toFixed(2)} → ${n.loadEnd.toFixed(2)} |`,
  );
  return [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (the code is in `scripts/src/bench/`). Benchmarks inform: they are not part of",
    "`npm test` and never fail it. Every figure comes with a baseline measured in the same run, on the same",
    "machine and the same way; the ratio to that baseline is the figure to compare across machines and runs.",
    "Medians over repetitions, with min–max in parentheses; each repetition is a fresh set of processes.",
    r.quick ? "\n**This is a `--quick` run (one repetition, shorter steps): indicative only.**" : "",
    "",
    "## Run",
    "",
    "| | |",
    "|---|---|",
    `| machine | ${m.cpu}, ${m.cpus} CPUs, ${m.memoryGiB} GiB RAM, ${m.kernel} |`,
    `| Node.js | ${m.node} |`,
    `| date | ${m.date} |`,
    `| commit | ${m.commit} |`,
    `| pinning | ${m.pinned ? "hub (and baselines) on CPU 0, load generator and consoles on CPU 1 (`taskset`)" : "not available (no `taskset`): processes share every CPU"} |`,
    `| duration | ${(r.durationS / 60).toFixed(1)} min |`,
    "",
    "Noise: CPU used by programs outside the benchmark while each part ran (this machine is shared; the",
    "benchmark's own processes, Kamailio included, are not counted), and the 1-minute load average.",
    "",
    "| part | time | foreign CPU, average (% of one core) | foreign CPU, worst second | load average |",
    "|---|---|---|---|---|",
    ...noiseRows,
    "",
    "## Summary",
    "",
    "| figure | measured | same-run baseline | ratio | goal | met | reproduce |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((x) => `| ${x.figure} | ${x.measured} | ${x.baseline} | ${x.ratio} | ${x.goal} | ${x.met} | \`${x.command}\` |`),
    "",
    "Reproduce after `npm install && npm run build`; `npm run bench` runs everything and rewrites this file.",
    `The hub's CPU profile at a given rate: \`${CMD} profile --rate 10000 --seconds 5\` (a \`.cpuprofile\` for`,
    `Chrome DevTools plus a summary); the hub at fixed rates for an A/B comparison: \`${CMD} steps --rates 5000,10000\`.`,
    "",
    ...details,
    "## Method",
    "",
    "- **Processes.** Each repetition starts fresh processes: the hub (the product as shipped: bundled plugins,",
    "  SQLite, HTTP and the console stream) or a baseline on CPU 0; the NOTIFY source and the consoles on CPU 1.",
    "- **Open loop.** The source plays the presence server: it answers the hub's SUBSCRIBEs, then sends",
    "  in-dialog NOTIFYs at a fixed rate whatever the hub does, PIDF on presence dialogs and dialog-info on",
    "  dialog dialogs, round-robin over every dialog; the intended send time is stamped in the body (PIDF note,",
    "  dialog-info remote identity), so latency is measured from the schedule (no coordinated omission).",
    "  `performance.timeOrigin + performance.now()` is comparable across processes on one host.",
    "- **Zero loss** at a step means: every NOTIFY got its 200 OK; the receiving socket dropped nothing (its own",
    "  `drops` counter in `/proc/net/udp`; the host-wide `RcvbufErrors` in `/proc/net/snmp` is recorded too but",
    "  other programs move it); the load generator kept its schedule and dropped no answer; and (hub) each",
    "  sampled console ended with the last state of every user field, with every console receiving alike.",
    "  Steps go up until one loses messages; a lost step is run again once, twice under heavy foreign load.",
    "- **Consoles**: 100 WebSocket connections in one process watching everyone; 4 of them parse every frame",
    "  and measure, the others read and count bytes. Reading as fast as they can is the backpressure: the",
    "  hub skips a console whose socket holds more than 4 MiB.",
    "- **Memory**: RSS after full garbage collections (`--expose-gc`), 15 s after the last subscription was",
    "  established (transaction caches drained; T1 100 ms), minus the same hub with no users; the baseline is",
    "  the same users, dialogs and states as bare JavaScript objects, measured the same way.",
    "- **Cold start** runs against a real Kamailio 5.6 (the test fixture: presence, RLS, digest auth,",
    "  `dummy-bodies` so every presentity has a state), a fresh server per run.",
    "- **Notes**: two hub nodes in cluster mode on one PostgreSQL schema; notes written through node A's API.",
    "",
  ].join("\n");
}

function ingestSection(r: BenchResults, runs: readonly IngestRun[], rows: Row[], details: string[]): void {
  const hub = runs.filter((x) => x.kind === "hub");
  const base = runs.filter((x) => x.kind === "baseline");
  const hubMax = spread(hub.map((x) => x.maxCleanRate));
  const baseMax = spread(base.map((x) => x.maxCleanRate));
  const above = (list: readonly IngestRun[]): string => (list.some((x) => x.ceilingAboveRamp) ? " (≥: no step lost messages)" : "");
  const ratio = baseMax.median > 0 ? hubMax.median / baseMax.median : NaN;
  rows.push({
    figure: `Ingest: highest zero-loss rate, NOTIFY/s (${fmt(r.settings.users)} users, ${r.settings.consoles} consoles)`,
    measured: `${fmtSpread(hubMax)}${above(hub)}`,
    baseline: `raw \`dgram\` receiver, minimal parser: ${fmtSpread(baseMax)}${above(base)}`,
    ratio: fmt(ratio, 2),
    goal: "≥ 20,000/s and ≥ 0.2",
    met: hubMax.median >= 20_000 && ratio >= 0.2 ? "yes" : "**no**",
    command: `${CMD} --only ingest`,
  });
  const cpu = (list: readonly IngestRun[]): Spread => spread(list.map((x) => x.latencyStep.cpuUsPerNotify));
  const hubCpu = cpu(hub);
  const baseCpu = cpu(base);
  rows.push({
    figure: `Ingest: CPU per NOTIFY at ${fmt(r.settings.latencyRate)}/s, µs (receiver process, all threads, fan-out included)`,
    measured: fmtSpread(hubCpu, 1),
    baseline: `same receiver with a minimal WebSocket fan-out: ${fmtSpread(baseCpu, 1)}`,
    ratio: fmt(hubCpu.median / baseCpu.median, 2),
    goal: "—",
    met: "—",
    command: `${CMD} --only ingest`,
  });
  const p = (list: readonly IngestRun[], k: "p50" | "p99"): Spread => spread(list.map((x) => x.latency[k]));
  for (const k of ["p50", "p99"] as const) {
    const h = p(hub, k);
    const b = p(base, k);
    rows.push({
      figure: `Latency ${k}, NOTIFY sent → console frame, ms (${fmt(r.settings.latencyRate)}/s, ${r.settings.consoles} consoles, 20 ms coalescing)`,
      measured: fmtSpread(h, 1),
      baseline: `minimal receiver + fan-out, same window: ${fmtSpread(b, 1)}`,
      ratio: fmt(h.median / b.median, 2),
      goal: k === "p99" ? "p99 ≤ 20 ms" : "—",
      met: k === "p99" ? (h.median <= 20 ? "yes" : "**no**") : "—",
      command: `${CMD} --only ingest`,
    });
  }
  details.push("## Ingest and latency", "");
  details.push(
    `${fmt(r.settings.users)} users (extension and SIP URI each: ${fmt(2 * r.settings.users)} dialogs), NOTIFYs of about 1 KB (PIDF+RPID ~600 B, dialog-info ~850 B bodies), every one a real change; ${r.settings.consoles} consoles watching everyone. Per repetition: a 2 s warm-up and the latency step at ${fmt(r.settings.latencyRate)}/s, then the ramp. CPU per NOTIFY is the receiving process's CPU time (all threads, GC included) over the step and its settle time, divided by the NOTIFYs sent.`,
    "",
    "| run | step (NOTIFY/s) | answered / sent | socket drops | CPU µs/NOTIFY | ELU | 200 OK rtt p99 (ms) | undelivered | foreign CPU | clean |",
    "|---|---|---|---|---|---|---|---|---|---|",
  );
  let n = { hub: 0, baseline: 0 };
  for (const run of runs) {
    n = { ...n, [run.kind]: n[run.kind] + 1 };
    const name = `${run.kind} ${n[run.kind]}`;
    for (const s of [run.latencyStep, ...run.steps]) {
      details.push(
        `| ${name} | ${fmt(s.rate)}${s === run.latencyStep ? " (latency)" : ""} | ${fmt(s.answered)} / ${fmt(s.sent)} | ${s.socketDrops ?? "?"} | ${fmt(s.cpuUsPerNotify, 1)} | ${s.elu === null ? "—" : s.elu.toFixed(2)} | ${fmt(s.rtt.p99, 1)} | ${s.undelivered ?? "—"} | ${fmt(s.foreignPct, 0)} % | ${s.clean ? "yes" : `no: ${s.why}`} |`,
      );
    }
  }
  details.push("", "| run | latency samples | p50 | p95 | p99 | max (ms) |", "|---|---|---|---|---|---|");
  n = { hub: 0, baseline: 0 };
  for (const run of runs) {
    n = { ...n, [run.kind]: n[run.kind] + 1 };
    const l = run.latency;
    details.push(`| ${run.kind} ${n[run.kind]} | ${fmt(l.samples)} | ${fmt(l.p50, 1)} | ${fmt(l.p95, 1)} | ${fmt(l.p99, 1)} | ${fmt(l.max, 1)} |`);
  }
  details.push("");
}

function perUser(runs: readonly MemoryRun[], kind: "hub" | "minimal", users: number, key: "rss" | "heapUsed"): Spread {
  const zero = spread(runs.filter((x) => x.kind === kind && x.users === 0).map((x) => x[key])).median;
  return spread(runs.filter((x) => x.kind === kind && x.users === users).map((x) => (x[key] - zero) / users));
}

function memorySection(r: BenchResults, runs: readonly MemoryRun[], rows: Row[], details: string[]): void {
  for (const users of r.settings.memorySizes) {
    const hub = perUser(runs, "hub", users, "rss");
    const bare = perUser(runs, "minimal", users, "rss");
    if (hub.runs === 0) continue;
    rows.push({
      figure: `Memory: RSS per monitored user at ${fmt(users)} users, bytes (2 subscriptions each)`,
      measured: fmtSpread(hub),
      baseline: `same users as bare objects: ${fmtSpread(bare)}`,
      ratio: fmt(hub.median / bare.median, 1),
      goal: "≤ 2 kB (2,000 B)",
      met: hub.median <= 2000 ? "yes" : "**no**",
      command: `${CMD} --only memory`,
    });
  }
  details.push("## Memory", "", "| process | users | RSS (MiB) | heap used (MiB) | heap total (MiB) | RSS per user (B) | heap per user (B) | subscribed in |", "|---|---|---|---|---|---|---|---|");
  for (const x of runs) {
    const zero = (key: "rss" | "heapUsed"): number => spread(runs.filter((y) => y.kind === x.kind && y.users === 0).map((y) => y[key])).median;
    const per = (key: "rss" | "heapUsed"): string => (x.users === 0 ? "—" : fmt((x[key] - zero(key)) / x.users));
    details.push(
      `| ${x.kind === "hub" ? "hub" : "bare objects"} | ${fmt(x.users)} | ${fmt(x.rss / 2 ** 20, 1)} | ${fmt(x.heapUsed / 2 ** 20, 1)} | ${fmt(x.heapTotal / 2 ** 20, 1)} | ${per("rss")} | ${per("heapUsed")} | ${x.setupMs === null ? "—" : `${(x.setupMs / 1000).toFixed(1)} s`} |`,
    );
  }
  details.push("");
}

function coldSection(r: BenchResults, c: ColdStartResult, rows: Row[], details: string[]): void {
  const s = (ms: number | null | undefined): string => (ms === null || ms === undefined ? "not reached" : `${(ms / 1000).toFixed(2)} s`);
  if (c.skipped) {
    rows.push({ figure: "Cold start", measured: "not measured", baseline: c.skipped, ratio: "—", goal: "—", met: "—", command: `${CMD} --only cold-start` });
    return;
  }
  const known = (k: string): string => {
    const d = c.detail[k] as { known?: number; lastMs?: number | null } | undefined;
    const last = typeof d?.lastMs === "number" ? `, the last at ${s(d.lastMs)}` : "";
    return d?.known !== undefined ? ` (${fmt(d.known)} of ${fmt(r.settings.users)} known${last})` : "";
  };
  if (c.listMs !== undefined || c.listBaselineMs !== undefined) {
    rows.push({
      figure: `Cold start: ${fmt(r.settings.users)} users to full state through one resource-list subscription (Kamailio, TCP)`,
      measured: `${s(c.listMs)}${c.listMs === null ? known("list") : ""}`,
      baseline: `bare watcher, same list, fresh server: ${s(c.listBaselineMs)}${c.listBaselineMs === null ? known("listBaseline") : ""}`,
      ratio: c.listMs && c.listBaselineMs ? fmt(c.listMs / c.listBaselineMs, 2) : "—",
      goal: "≤ 5 s",
      met: c.listMs !== null && c.listMs !== undefined && c.listMs <= 5000 ? "yes" : "**no**",
      command: `${CMD} --only cold-start`,
    });
  }
  if (c.perUserMs !== undefined) {
    const ratio = c.perUserMs !== null && c.perUserFloorMs ? c.perUserMs / c.perUserFloorMs : NaN;
    rows.push({
      figure: `Cold start: ${fmt(r.settings.users)} users to full state user by user (Kamailio, UDP, server limit ${r.settings.coldRateLimit}/s, pacing ${r.settings.coldPacing}/s)`,
      measured: `${s(c.perUserMs)}; ${c.rateLimited503s ?? "?"} SUBSCRIBEs refused by the limit`,
      baseline: `floor set by the server's limit (users ÷ limit): ${s(c.perUserFloorMs)}`,
      ratio: fmt(ratio, 2),
      goal: "as fast as the limit allows (≤ 1.1), never a storm (no 503)",
      met: ratio <= 1.1 && c.rateLimited503s === 0 ? "yes" : "**no**",
      command: `${CMD} --only cold-start`,
    });
  }
  details.push("## Cold start", "", "```json", JSON.stringify(c.detail, null, 1), "```", "");
}

function notesSection(n: NotesResult, rows: Row[], details: string[]): void {
  if (n.skipped || !n.crossNode || !n.sameNode) {
    rows.push({ figure: "Notes: write → another node's console", measured: "not measured", baseline: n.skipped ?? "", ratio: "—", goal: "—", met: "—", command: `${CMD} --only notes` });
    return;
  }
  rows.push({
    figure: "Notes: note written on node A → console on node B, p99 ms (cluster on PostgreSQL)",
    measured: `${fmt(n.crossNode.p99, 1)} (p50 ${fmt(n.crossNode.p50, 1)})`,
    baseline: `console on the writing node: ${fmt(n.sameNode.p99, 1)} (p50 ${fmt(n.sameNode.p50, 1)})`,
    ratio: fmt(n.crossNode.p99 / n.sameNode.p99, 2),
    goal: "— (reported)",
    met: "—",
    command: `${CMD} --only notes`,
  });
  details.push(
    "## Notes across nodes",
    "",
    `${n.writes} note writes through node A's API (${n.failedWrites} failed), from the request's send time to the frame on each console.`,
    "",
    "| console | samples | p50 | p95 | p99 | max (ms) |",
    "|---|---|---|---|---|---|",
    `| other node (B) | ${n.crossNode.samples} | ${fmt(n.crossNode.p50, 1)} | ${fmt(n.crossNode.p95, 1)} | ${fmt(n.crossNode.p99, 1)} | ${fmt(n.crossNode.max, 1)} |`,
    `| writing node (A) | ${n.sameNode.samples} | ${fmt(n.sameNode.p50, 1)} | ${fmt(n.sameNode.p95, 1)} | ${fmt(n.sameNode.p99, 1)} | ${fmt(n.sameNode.max, 1)} |`,
    "",
  );
}
