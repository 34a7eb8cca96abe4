/**
 * Ingest and latency: in-dialog NOTIFYs over UDP (PIDF and dialog-info, 10,000 users, 20,000
 * dialogs) into the hub, parsed, aggregated, stored and pushed to 100 WebSocket consoles; and the
 * same NOTIFYs into the raw baseline receiver. Open-loop stepped rates; a step is clean when
 * every NOTIFY got its 200 OK, the receiving socket dropped nothing, the load generator kept its
 * schedule, and (hub) every sampled console ended up with the last state of every user.
 */
import { BenchProcess } from "../lib/proc.js";
import type { NoiseMonitor } from "../lib/machine.js";
import { prepareHub } from "../lib/hub-fixture.js";
import { PORTS } from "../lib/ports.js";
import { socketDrops, hostRcvbufErrors } from "../lib/udp-counters.js";
import { nowMs, sleep, summarize, type LatencySummary } from "../lib/stats.js";
import type { HubStats } from "../proc/hub-node.js";
import type { StepResult } from "../proc/notify-source.js";

/** How the ingest/latency benchmark runs. */
export interface IngestOptions {
  readonly users: number;
  readonly consoles: number;
  readonly repetitions: number;
  readonly hubRates: readonly number[];
  readonly baselineRates: readonly number[];
  readonly stepSeconds: number;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  /** Instead of latency and ramp: profile the hub for one step (writes a `.cpuprofile` to `file`). */
  readonly profile?: { readonly rate: number; readonly seconds: number; readonly file: string; readonly heap?: boolean };
  /** Extra Node flags for the hub process (`--trace-gc`…). */
  readonly hubNodeArgs?: readonly string[];
  /** The console stream's coalescing window for the hub, ms (default: the product's default). */
  readonly flushMs?: number;
  /** Foreign-load monitor: steps record the load they ran under, and a lost step run under heavy foreign load is retried. */
  readonly noise?: NoiseMonitor;
  /** Skip the baseline (profiling runs, quick checks). */
  readonly hubOnly?: boolean;
  /** Instead of latency and ramp: one step at each of these rates, whatever happens (A/B comparisons). */
  readonly fixedRates?: readonly number[];
  readonly log: (line: string) => void;
}

/** One step as measured. */
export interface StepRecord {
  readonly rate: number;
  readonly sent: number;
  readonly answered: number;
  readonly refused: Record<string, number>;
  /** Datagrams the receiving socket dropped during the step (`/proc/net/udp`). */
  readonly socketDrops: number | null;
  /** Host-wide RcvbufErrors increase (other programs move it too). */
  readonly hostRcvbufErrors: number | null;
  /** Answers the load generator's own socket dropped (then the step says nothing). */
  readonly generatorDrops: number | null;
  readonly lagP99Ms: number;
  readonly rtt: LatencySummary;
  /** Receiver CPU per NOTIFY (µs) and event-loop utilization over the step. */
  readonly cpuUsPerNotify: number;
  readonly elu: number | null;
  /** Sampled consoles' users×fields still behind the last NOTIFY after the settle time (hub only). */
  readonly undelivered: number | null;
  /** Smallest console byte count ÷ largest over the step (1 = every console got everything). */
  readonly consoleBalance: number | null;
  /** CPU used by other programs during the step, % of one core. */
  readonly foreignPct: number;
  readonly clean: boolean;
  readonly why: string;
}

/** One repetition (a fresh set of processes). */
export interface IngestRun {
  readonly kind: "hub" | "baseline";
  readonly latency: LatencySummary;
  readonly latencyStep: StepRecord;
  readonly steps: readonly StepRecord[];
  /** Highest clean rate of the ramp (0 when even the first step lost messages). */
  readonly maxCleanRate: number;
  /** The ramp never lost a message: the ceiling is above the highest step. */
  readonly ceilingAboveRamp: boolean;
}

/** Runs `repetitions` × (baseline, hub) and returns every run. */
export async function runIngest(o: IngestOptions): Promise<IngestRun[]> {
  const runs: IngestRun[] = [];
  for (let r = 1; r <= o.repetitions; r++) {
    if (!o.hubOnly) {
      o.log(`ingest: baseline repetition ${r}/${o.repetitions}`);
      runs.push(await baselineRun(o));
    }
    o.log(`ingest: hub repetition ${r}/${o.repetitions}`);
    runs.push(await hubRun(o));
  }
  return runs;
}

/** Starts a benchmark process (proc/<script>.js) pinned to `cpu` and waits until it is ready. */
export async function startProc(name: string, script: string, cpu: number, nodeArgs: readonly string[] = []): Promise<BenchProcess> {
  // Diagnostic flags (--trace-gc…) print on stdout: pass it through then.
  const p = BenchProcess.start(name, script, { cpu, nodeArgs, stdout: nodeArgs.some((a) => a.startsWith("--trace")) });
  await p.waitEvent("ready", 30_000);
  return p;
}

async function baselineRun(o: IngestOptions): Promise<IngestRun> {
  const receiver = await startProc("baseline receiver", "baseline-receiver", 0);
  const source = await startProc("notify source", "notify-source", 1);
  const consoles = await startProc("consoles", "consoles", 1);
  try {
    await receiver.call("start", { port: PORTS.baselineSip, wsPort: PORTS.baselineWs, flushMs: 20 });
    await source.call("start", { port: PORTS.ingestSource, users: o.users, preset: { address: "127.0.0.1", port: PORTS.baselineSip } });
    await consoles.call("connect", { url: `ws://127.0.0.1:${PORTS.baselineWs}/`, count: o.consoles, sampled: sampledIndexes(o.consoles), users: o.users });
    const stats = async (): Promise<CpuMark> => {
      const s = await receiver.call<{ cpuUserUs: number; cpuSystemUs: number }>("stats");
      return { wallMs: nowMs(), cpuUs: s.cpuUserUs + s.cpuSystemUs, eluActiveMs: NaN, eluIdleMs: NaN };
    };
      const ctx: StepContext = { source, consoles, stats, receiverPort: PORTS.baselineSip, deliveryCheck: false, noise: o.noise };
    const { latency, step: latencyStep } = await latencyPhase(o, ctx);
    await consoles.stop();
    // The ceiling of the raw receiver alone: no consoles attached from here on.
    const ramp = await rampPhase(o, { ...ctx, consoles: null }, o.baselineRates);
    return { kind: "baseline", latency, latencyStep, ...ramp };
  } finally {
    await Promise.all([consoles.stop(), source.stop(), receiver.stop()]);
  }
}

async function hubRun(o: IngestOptions): Promise<IngestRun> {
  const prepared = await prepareHub({
    httpPort: PORTS.ingestHubHttp,
    users: o.users,
    ...(o.flushMs ? { pluginOptions: { "console-api": { flushMs: o.flushMs } } } : {}),
    connectors: [
      {
        id: "pbx",
        type: "sip-simple",
        server: `127.0.0.1:${PORTS.ingestSource}`,
        protocol: "udp",
        uri: "hub@127.0.0.1",
        authId: "hub",
        password: "dummy",
        localPort: PORTS.ingestHubSip,
        expires: 3600,
        // Fast, but below what makes the hub drop its own initial NOTIFYs (set-up is not measured here).
        subscribeRate: 1000,
        subscribeBurst: 100,
      },
    ],
  });
  const source = await startProc("notify source", "notify-source", 1);
  const hub = await startProc("hub", "hub-node", 0, o.hubNodeArgs);
  let consoles: BenchProcess | null = null;
  try {
    await source.call("start", { port: PORTS.ingestSource, users: o.users });
    await hub.call("start", { config: prepared.config });
    await waitSubscribed(source, hub, o.users);
    const token = await hub.call<string>("token", { role: "operator" });
    consoles = await startProc("consoles", "consoles", 1);
    await consoles.call("connect", { url: `ws://127.0.0.1:${PORTS.ingestHubHttp}/api/v1/stream?token=${token}`, count: o.consoles, sampled: sampledIndexes(o.consoles), users: o.users }, 180_000);
    const stats = async (): Promise<CpuMark> => {
      const s = await hub.call<HubStats>("stats");
      return { wallMs: s.wallMs, cpuUs: s.cpuUserUs + s.cpuSystemUs, eluActiveMs: s.eluActiveMs, eluIdleMs: s.eluIdleMs };
    };
    const ctx: StepContext = { source, consoles, stats, receiverPort: PORTS.ingestHubSip, deliveryCheck: true, noise: o.noise };
    if (o.profile) {
      await step(ctx, o.profile.rate, 2);
      await hub.call("profileStart", { heap: o.profile.heap ?? false });
      await sleep(1000); // starting the profiler stalls the event loop for a moment: not part of the step
      const s = await step(ctx, o.profile.rate, o.profile.seconds);
      await hub.call("profileStop", { file: o.profile.file, heap: o.profile.heap ?? false });
      o.log(`  profiled ${o.profile.rate}/s: ${describe(s)}`);
      return { kind: "hub", latency: summarize([]), latencyStep: s, steps: [s], maxCleanRate: s.clean ? s.rate : 0, ceilingAboveRamp: false };
    }
    if (o.fixedRates) {
      await step(ctx, o.fixedRates[0]!, 2); // warm-up
      const steps: StepRecord[] = [];
      for (const rate of o.fixedRates) {
        await sleep(1000);
        await consoles.call("reset");
        const s = await step(ctx, rate, o.stepSeconds);
        const { latency } = await consoles.call<{ latency: LatencySummary }>("collect");
        o.log(`  ${rate}/s: ${describe(s)}; latency p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`);
        steps.push(s);
      }
      return { kind: "hub", latency: summarize([]), latencyStep: steps[0]!, steps, maxCleanRate: 0, ceilingAboveRamp: false };
    }
    const { latency, step: latencyStep } = await latencyPhase(o, ctx);
    const ramp = await rampPhase(o, ctx, o.hubRates);
    return { kind: "hub", latency, latencyStep, ...ramp };
  } finally {
    await Promise.all([consoles?.stop(), source.stop(), hub.stop()]);
    prepared.dispose();
  }
}

/** Waits until the hub holds every subscription and every user shows the source's first state; how long it took (ms). */
export async function waitSubscribed(source: BenchProcess, hub: BenchProcess, users: number, timeoutMs = 180_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const s = await source.call<{ dialogs: number; unanswered: number }>("status");
    const k = await hub.call<{ rich: number; telephony: number }>("known");
    if (s.dialogs >= 2 * users && s.unanswered === 0 && k.rich >= users && k.telephony >= users) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`subscriptions not established: source ${JSON.stringify(s)}, hub ${JSON.stringify(k)}`);
    await sleep(100);
  }
}

function sampledIndexes(count: number): number[] {
  return [...new Set([0, Math.floor(count / 3), Math.floor((2 * count) / 3), count - 1])];
}

interface CpuMark {
  readonly wallMs: number;
  readonly cpuUs: number;
  readonly eluActiveMs: number;
  readonly eluIdleMs: number;
}

interface StepContext {
  readonly source: BenchProcess;
  readonly consoles: BenchProcess | null;
  readonly stats: () => Promise<CpuMark>;
  readonly receiverPort: number;
  readonly deliveryCheck: boolean;
  readonly noise: NoiseMonitor | undefined;
}

async function latencyPhase(o: IngestOptions, ctx: StepContext): Promise<{ latency: LatencySummary; step: StepRecord }> {
  // Warm-up (JIT, buffers), not measured.
  await step(ctx, o.latencyRate, 2);
  await sleep(500);
  await ctx.consoles?.call("reset");
  const s = await step(ctx, o.latencyRate, o.latencySeconds);
  const collected = ctx.consoles ? await ctx.consoles.call<{ latency: LatencySummary }>("collect") : null;
  const latency = collected?.latency ?? summarize([]);
  o.log(`  latency at ${o.latencyRate}/s: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms (${latency.samples} samples); ${describe(s)}`);
  return { latency, step: s };
}

async function rampPhase(o: IngestOptions, ctx: StepContext, rates: readonly number[]): Promise<{ steps: StepRecord[]; maxCleanRate: number; ceilingAboveRamp: boolean }> {
  const steps: StepRecord[] = [];
  let maxCleanRate = 0;
  for (const rate of rates) {
    await sleep(1000);
    let s = await step(ctx, rate, o.stepSeconds);
    o.log(`  ${rate}/s: ${describe(s)}`);
    // A lost step is run again (a burst of foreign load on a shared machine must not end the
    // ramp): once in any case, and a second time if the retry too ran under heavy foreign load.
    for (let retry = 1; !s.clean && (retry === 1 || (retry === 2 && s.foreignPct > 50)); retry++) {
      steps.push(s);
      await sleep(2000);
      s = await step(ctx, rate, o.stepSeconds);
      o.log(`  ${rate}/s (again): ${describe(s)}`);
    }
    steps.push(s);
    if (!s.clean) return { steps, maxCleanRate, ceilingAboveRamp: false };
    maxCleanRate = rate;
  }
  return { steps, maxCleanRate, ceilingAboveRamp: true };
}

function describe(s: StepRecord): string {
  const cpu = Number.isFinite(s.cpuUsPerNotify) ? `, ${s.cpuUsPerNotify.toFixed(1)} µs CPU/NOTIFY` : "";
  const elu = s.elu !== null ? `, ELU ${s.elu.toFixed(2)}` : "";
  const noise = Number.isFinite(s.foreignPct) ? `, foreign load ${s.foreignPct.toFixed(0)} %` : "";
  return `${s.answered}/${s.sent} answered, drops ${s.socketDrops ?? "?"}${cpu}${elu}, rtt p99 ${s.rtt.p99.toFixed(1)} ms${noise}${s.clean ? "" : ` — NOT CLEAN: ${s.why}`}`;
}

/** One open-loop step at `rate` for `seconds`, with every check. */
async function step(ctx: StepContext, rate: number, seconds: number): Promise<StepRecord> {
  const drops0 = socketDrops(ctx.receiverPort);
  const gen0 = socketDrops(PORTS.ingestSource);
  const host0 = hostRcvbufErrors();
  const bytes0 = ctx.consoles ? (await ctx.consoles.call<{ bytes: number[] }>("collect")).bytes : null;
  const m0 = await ctx.stats();
  const wallStart = Date.now();
  const r = await ctx.source.call<StepResult>("step", { rate, seconds }, (seconds + 30) * 1000);
  const foreignPct = ctx.noise ? ctx.noise.between(wallStart, Date.now()) : NaN;
  const m1 = await ctx.stats();
  const drops1 = socketDrops(ctx.receiverPort);
  const gen1 = socketDrops(PORTS.ingestSource);
  const host1 = hostRcvbufErrors();
  const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : b - a);
  const socketDropped = diff(drops0, drops1);
  const generatorDrops = diff(gen0, gen1);
  let undelivered: number | null = null;
  let consoleBalance: number | null = null;
  if (ctx.consoles) {
    if (ctx.deliveryCheck) undelivered = await awaitDelivery(ctx.source, ctx.consoles, 3000);
    const bytes1 = (await ctx.consoles.call<{ bytes: number[] }>("collect")).bytes;
    const got = bytes1.map((b, i) => b - (bytes0?.[i] ?? 0));
    consoleBalance = Math.max(...got) > 0 ? Math.min(...got) / Math.max(...got) : null;
  }
  const cpuUs = m1.cpuUs - m0.cpuUs;
  const active = m1.eluActiveMs - m0.eluActiveMs;
  const idle = m1.eluIdleMs - m0.eluIdleMs;
  const refusedCount = Object.values(r.refused).reduce((a, b) => a + b, 0);
  const problems: string[] = [];
  if (r.answered < r.sent) problems.push(`${r.sent - r.answered} NOTIFYs unanswered`);
  if (refusedCount > 0) problems.push(`refused ${JSON.stringify(r.refused)}`);
  if (socketDropped !== null && socketDropped > 0) problems.push(`${socketDropped} datagrams dropped by the receiving socket`);
  if (generatorDrops !== null && generatorDrops > 0) problems.push(`the load generator dropped ${generatorDrops} answers`);
  if (r.lagP99Ms > 50) problems.push(`the load generator fell ${r.lagP99Ms.toFixed(0)} ms behind its schedule (p99)`);
  if (undelivered !== null && undelivered > 0) problems.push(`${undelivered} user fields not delivered to a sampled console`);
  if (consoleBalance !== null && consoleBalance < 0.9) problems.push(`consoles received unevenly (min/max bytes ${consoleBalance.toFixed(2)})`);
  return {
    rate,
    sent: r.sent,
    answered: r.answered,
    refused: r.refused,
    socketDrops: socketDropped,
    hostRcvbufErrors: diff(host0, host1),
    generatorDrops,
    lagP99Ms: r.lagP99Ms,
    rtt: r.rtt,
    cpuUsPerNotify: cpuUs / r.sent,
    elu: Number.isFinite(active) && active + idle > 0 ? active / (active + idle) : null,
    undelivered,
    consoleBalance,
    foreignPct,
    clean: problems.length === 0,
    why: problems.join("; "),
  };
}

/** Polls until every sampled console shows the last NOTIFY of every user field; what is still missing after `withinMs`. */
async function awaitDelivery(source: BenchProcess, consoles: BenchProcess, withinMs: number): Promise<number> {
  const sent = await source.call<{ rich: Float64Array; telephony: Float64Array }>("lastStamps");
  const end = Date.now() + withinMs;
  for (;;) {
    const seen = await consoles.call<{ rich: Float64Array; telephony: Float64Array }[]>("lastStamps");
    let missing = 0;
    for (const c of seen) {
      for (let i = 0; i < sent.rich.length; i++) {
        if (c.rich[i]! < sent.rich[i]!) missing++;
        if (c.telephony[i]! < sent.telephony[i]!) missing++;
      }
    }
    if (missing === 0 || Date.now() > end) return missing;
    await sleep(100);
  }
}
