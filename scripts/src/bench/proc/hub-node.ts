/**
 * One hub, the product as shipped (bundled plugins, SQLite or PostgreSQL, HTTP and the console
 * stream), in a fresh process the driver pins to its own core. Reports CPU, event-loop and
 * memory figures on request, and when a field of `count` users reached full state.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import { writeHeapSnapshot } from "node:v8";
import { loadConfig, PresenceHubApp, type HubEnvelope } from "@presence-hub/core";
import { emit, serveIpc } from "../lib/proc.js";
import { nowMs, sleep } from "../lib/stats.js";

/** Statuses that are not a server's answer about the user. */
const NOT_STATE = new Set(["requesting", "not-requested", "server-not-configured", "user-not-configured", "error", "access-denied", "not-found"]);

let app: PresenceHubApp | null = null;
let profiler: Session | null = null;
let startedAt = 0;
const known = { rich: new Set<string>(), telephony: new Set<string>() };
const full: { field: "rich" | "telephony"; count: number; at: number | null; lastAt: number | null } = { field: "rich", count: Infinity, at: null, lastAt: null };

/** Cumulative figures; the driver subtracts two of them. */
export interface HubStats {
  readonly wallMs: number;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  readonly eluActiveMs: number;
  readonly eluIdleMs: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly counters: Readonly<Record<string, number>>;
}

function track(env: HubEnvelope): void {
  const e = env.event;
  if (e.type !== "presence") return;
  const set = known[e.field];
  const before = set.size;
  if (NOT_STATE.has(e.state.status)) set.delete(e.username);
  else set.add(e.username);
  // When the last user so far got a state: what a run that falls a few users short still tells.
  if (e.field === full.field && set.size > before) full.lastAt = nowMs();
  if (full.at === null && e.field === full.field && set.size >= full.count) full.at = nowMs();
}

serveIpc({
  async start(args: { config: string; fullState?: { field: "rich" | "telephony"; count: number } }) {
    if (args.fullState) Object.assign(full, args.fullState, { at: null, lastAt: null });
    startedAt = nowMs();
    app = new PresenceHubApp(loadConfig(args.config, {}));
    app.bus.register({ name: "bench-full-state", deliver: track });
    await app.start();
    return { startMs: nowMs() - startedAt, httpPort: app.server.info.port };
  },
  async token(args: { role: "admin" | "operator" }) {
    return (await app!.accounts.createToken(args.role, `bench-${args.role}-${Date.now()}`)).token;
  },
  stats(args: { connector?: string } | null): HubStats {
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const mem = process.memoryUsage();
    let counters: Readonly<Record<string, number>> = {};
    try {
      if (args?.connector) counters = app!.hub.connectorCounters(args.connector);
    } catch {
      /* no such connector */
    }
    return { wallMs: nowMs(), cpuUserUs: cpu.user, cpuSystemUs: cpu.system, eluActiveMs: elu.active, eluIdleMs: elu.idle, rss: mem.rss, heapUsed: mem.heapUsed, counters };
  },
  /** Full garbage collections until the heap stops shrinking, then memory (needs --expose-gc). */
  async gcMemory() {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error("start the hub process with --expose-gc");
    let last = Infinity;
    for (let i = 0; i < 6; i++) {
      gc();
      await sleep(50);
      const used = process.memoryUsage().heapUsed;
      if (used >= last * 0.995) break;
      last = used;
    }
    return process.memoryUsage();
  },
  /** Writes a heap snapshot (memory investigations). */
  heapSnapshot(args: { file: string }) {
    return writeHeapSnapshot(args.file);
  },
  /** Waits until `count` users have a real state in the field; ms since `start` began, or null on timeout. */
  async awaitFull(args: { timeoutMs: number }) {
    const end = Date.now() + args.timeoutMs;
    while (full.at === null && Date.now() < end) await sleep(10);
    return { ms: full.at === null ? null : full.at - startedAt, lastMs: full.lastAt === null ? null : full.lastAt - startedAt, known: known[full.field].size };
  },
  /** Starts the V8 CPU profiler, or the sampling heap profiler (only what follows is profiled, not the start-up). */
  async profileStart(args: { heap?: boolean } | null) {
    profiler = new Session();
    profiler.connect();
    if (args?.heap) {
      await profiler.post("HeapProfiler.enable");
      // Every allocation, not only what is still alive at the end: garbage is what costs GC time.
      await profiler.post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
      return null;
    }
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.setSamplingInterval", { interval: 200 });
    await profiler.post("Profiler.start");
    return null;
  },
  /** Stops the profiler and writes a `.cpuprofile` or `.heapprofile` (Chrome DevTools formats) to `file`. */
  async profileStop(args: { file: string; heap?: boolean }) {
    if (!profiler) throw new Error("profiler not started");
    const { profile } = args.heap ? await profiler.post("HeapProfiler.stopSampling") : await profiler.post("Profiler.stop");
    profiler.disconnect();
    profiler = null;
    writeFileSync(args.file, JSON.stringify(profile));
    return args.file;
  },
  /** How many users have a real state, per field. */
  known() {
    return { rich: known.rich.size, telephony: known.telephony.size };
  },
  /** Shown statuses of a field, counted. */
  statuses(args: { field: "rich" | "telephony" }) {
    const out: Record<string, number> = {};
    for (const u of app!.hub.users()) {
      const p = app!.hub.presence(u.username);
      const s = p?.[args.field].status ?? "none";
      out[s] = (out[s] ?? 0) + 1;
    }
    return out;
  },
  /** Exits; `graceful` stops the app first (un-SUBSCRIBEs, cluster leases). A fresh store is used per run, so the default is quick. */
  async stop(args: { graceful?: boolean } | null) {
    try {
      if (args?.graceful) await app?.stop();
    } finally {
      setTimeout(() => process.exit(0), 10);
    }
    return null;
  },
});
emit("ready");
