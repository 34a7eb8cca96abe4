/**
 * Memory per monitored user: RSS after full garbage collection of a fresh hub process with N
 * users (telephony and rich, so two subscriptions each) and every subscription established,
 * minus the same hub with no users; the baseline is the same users as bare JavaScript objects
 * (proc/minimal-model), measured the same way in the same run.
 */
import { prepareHub } from "../lib/hub-fixture.js";
import { PORTS } from "../lib/ports.js";
import { sleep } from "../lib/stats.js";
import { startProc, waitSubscribed } from "./ingest.js";

/** How the memory benchmark runs. */
export interface MemoryOptions {
  /** User counts to measure (0 is always measured too). */
  readonly sizes: readonly number[];
  /** Repetitions per size; sizes of 50,000 and more run once (they take a minute each). */
  readonly repetitions: number;
  readonly log: (line: string) => void;
}

/** One measured process. */
export interface MemoryRun {
  readonly kind: "hub" | "minimal";
  readonly users: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  /** Time to establish every subscription (hub), ms. */
  readonly setupMs: number | null;
}

/** Measures every size for the hub and the baseline model. */
export async function runMemory(o: MemoryOptions): Promise<MemoryRun[]> {
  const runs: MemoryRun[] = [];
  for (const users of [0, ...o.sizes]) {
    const reps = users >= 50_000 ? 1 : o.repetitions;
    for (let r = 1; r <= reps; r++) {
      const m = await minimalRun(users);
      runs.push(m);
      const h = await hubRun(users, o.log);
      runs.push(h);
      o.log(`memory: ${users} users (${r}/${reps}): hub RSS ${(h.rss / 2 ** 20).toFixed(1)} MiB${h.setupMs !== null ? ` (subscribed in ${(h.setupMs / 1000).toFixed(1)} s)` : ""}, bare model RSS ${(m.rss / 2 ** 20).toFixed(1)} MiB`);
    }
  }
  return runs;
}

async function minimalRun(users: number): Promise<MemoryRun> {
  const p = await startProc("bare model", "minimal-model", 0, ["--expose-gc"]);
  try {
    await p.call("build", { users });
    const mem = await p.call<NodeJS.MemoryUsage>("gcMemory");
    return { kind: "minimal", users, rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, setupMs: null };
  } finally {
    await p.stop();
  }
}

async function hubRun(users: number, log: (line: string) => void): Promise<MemoryRun> {
  const prepared = await prepareHub({
    httpPort: PORTS.memoryHubHttp,
    users,
    connectors: [
      {
        id: "pbx",
        type: "sip-simple",
        server: `127.0.0.1:${PORTS.memorySource}`,
        protocol: "udp",
        uri: "hub@127.0.0.1",
        authId: "hub",
        password: "dummy",
        localPort: PORTS.memoryHubSip,
        expires: 3600,
        // T1 100 ms (loopback): transaction caches drain 6.4 s after the last message, so the
        // figure is the steady state, not the set-up's leftovers.
        t1Ms: 100,
        subscribeRate: 2500,
        subscribeBurst: 250,
      },
    ],
  });
  const source = await startProc("notify source", "notify-source", 1);
  const hub = await startProc("hub", "hub-node", 0, ["--expose-gc"]);
  try {
    await source.call("start", { port: PORTS.memorySource, users });
    await hub.call("start", { config: prepared.config });
    let setupMs: number | null = null;
    if (users > 0) {
      setupMs = await waitSubscribed(source, hub, users, 600_000);
      if (setupMs > 20_000) log(`  ${users} users subscribed in ${(setupMs / 1000).toFixed(0)} s`);
    }
    // Transaction caches (64·T1), timer K (T4 = 5 s) and the write-behind settle first, and V8's
    // memory reducer gets the idle time it needs to give back what the set-up burst used.
    await sleep(15_000);
    const mem = await hub.call<NodeJS.MemoryUsage>("gcMemory");
    // BENCH_HEAP_SNAPSHOT=/path/prefix writes a heap snapshot per size (what holds the memory).
    if (process.env.BENCH_HEAP_SNAPSHOT) await hub.call("heapSnapshot", { file: `${process.env.BENCH_HEAP_SNAPSHOT}-${users}.heapsnapshot` }, 300_000);
    return { kind: "hub", users, rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, setupMs };
  } finally {
    await Promise.all([source.stop(), hub.stop()]);
    prepared.dispose();
  }
}
