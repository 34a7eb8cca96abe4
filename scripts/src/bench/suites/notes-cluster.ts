/**
 * Notes across a cluster: two hub nodes on one PostgreSQL schema (cluster mode), a console on
 * each; notes are written through node A's API and the time from the write to the console frame
 * carrying it is measured on both consoles: node B's is the figure (the write travels through
 * PostgreSQL NOTIFY), node A's is the same-run baseline (same write, same process, no cluster hop).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { dropSchema, TEST_PG_URL } from "@presence-hub/core/testing";
import { prepareHub } from "../lib/hub-fixture.js";
import { stamp } from "../lib/mini-sip.js";
import { username } from "../lib/population.js";
import { PORTS } from "../lib/ports.js";
import { nowMs, sleep, type LatencySummary } from "../lib/stats.js";
import type { BenchProcess } from "../lib/proc.js";
import { startProc } from "./ingest.js";

/** How the notes benchmark runs. */
export interface NotesOptions {
  readonly writes: number;
  /** Writes per second (open loop). */
  readonly rate: number;
  readonly log: (line: string) => void;
}

/** Note write → console latency on the other node and on the writing node. */
export interface NotesResult {
  readonly skipped?: string;
  readonly crossNode?: LatencySummary;
  readonly sameNode?: LatencySummary;
  readonly writes?: number;
  readonly failedWrites?: number;
}

const USERS = 10;

/** Starts two nodes, writes notes on A, measures on consoles at A and B. */
export async function runNotes(o: NotesOptions): Promise<NotesResult> {
  const schema = `bench_${randomBytes(5).toString("hex")}`;
  const dir = mkdtempSync(path.join(tmpdir(), "ph-bench-cluster-"));
  const keyFile = path.join(dir, "shared-secret.key");
  const pg = { connection: TEST_PG_URL, schema };
  const processes: BenchProcess[] = [];
  try {
    const a = await prepareHub({ httpPort: PORTS.clusterHttpA, users: USERS, pg, cluster: { nodeId: "bench-a", leaseSeconds: 5 }, keyFile, monitorAll: false, dir, configName: "a.yaml" });
    const b = await prepareHub({ httpPort: PORTS.clusterHttpB, users: 0, pg, cluster: { nodeId: "bench-b", leaseSeconds: 5 }, keyFile, monitorAll: false, dir, configName: "b.yaml" });
    const nodeA = await startProc("node A", "hub-node", 0);
    processes.push(nodeA);
    await nodeA.call("start", { config: a.config });
    const nodeB = await startProc("node B", "hub-node", 0);
    processes.push(nodeB);
    await nodeB.call("start", { config: b.config });
    const token = await nodeA.call<string>("token", { role: "operator" });
    const consoleA = await startProc("console at A", "consoles", 1);
    const consoleB = await startProc("console at B", "consoles", 1);
    processes.push(consoleA, consoleB);
    for (const [c, port] of [[consoleA, PORTS.clusterHttpA], [consoleB, PORTS.clusterHttpB]] as const) {
      await c.call("connect", { url: `ws://127.0.0.1:${port}/api/v1/stream?token=${token}`, count: 1, sampled: [0], users: USERS });
    }
    o.log(`notes: two nodes up (PostgreSQL schema ${schema}); ${o.writes} note writes on node A at ${o.rate}/s`);
    let failed = 0;
    const writes: Promise<void>[] = [];
    const t0 = nowMs();
    for (let i = 0; i < o.writes; i++) {
      const due = t0 + (i * 1000) / o.rate;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      const text = `Back at 3 — ${stamp(nowMs())}`;
      writes.push(
        fetch(`http://127.0.0.1:${PORTS.clusterHttpA}/api/v1/users/${username(i % USERS)}/note`, {
          method: "PUT",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ text }),
        }).then(
          (r) => {
            if (!r.ok) failed++;
          },
          () => {
            failed++;
          },
        ),
      );
    }
    await Promise.all(writes);
    await sleep(2000);
    const sameNode = (await consoleA.call<{ latency: LatencySummary }>("collect")).latency;
    const crossNode = (await consoleB.call<{ latency: LatencySummary }>("collect")).latency;
    o.log(`  other node p50 ${crossNode.p50.toFixed(1)} ms, p99 ${crossNode.p99.toFixed(1)} ms (${crossNode.samples}); writing node p50 ${sameNode.p50.toFixed(1)} ms, p99 ${sameNode.p99.toFixed(1)} ms (${sameNode.samples}); ${failed} writes failed`);
    await nodeB.call("stop", { graceful: true }, 30_000).catch(() => undefined);
    await nodeA.call("stop", { graceful: true }, 30_000).catch(() => undefined);
    return { crossNode, sameNode, writes: o.writes, failedWrites: failed };
  } catch (e) {
    return { skipped: `cluster run failed: ${(e as Error).message.split("\n")[0]}` };
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await dropSchema(schema).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
