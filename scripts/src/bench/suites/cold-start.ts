/**
 * Cold start: 10,000 users to full state against a real Kamailio 5.6 (presence + RLS, digest
 * auth), each run on a fresh server. Once through one resource-list subscription (TCP: the
 * list's full state is one large NOTIFY), compared with a bare watcher subscribing the same list
 * on its own fresh server; once user by user over UDP with the connector's pacing under the
 * server's rate limit, compared with the floor that limit sets (users ÷ limit).
 *
 * The Kamailio fixture lives in the test workspace; it is loaded at run time from test/dist
 * (the test workspace depends on this one, so a build-time reference would be circular).
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { prepareHub } from "../lib/hub-fixture.js";
import { PORTS } from "../lib/ports.js";
import { startProc } from "./ingest.js";

/** What the benchmark needs of test/src/support/kamailio.ts. */
interface KamailioFixture {
  readonly logFile: string;
  dispose(): Promise<void>;
}
interface KamailioModule {
  kamailioAvailable(options?: { tls?: boolean }): void;
  startKamailio(options: {
    ports: { udp: number };
    tls: boolean;
    parentDir: string;
    modes?: readonly string[];
    generatedUsers: { count: number; list: boolean };
    sharedMemoryMb: number;
    workers: number;
    rateLimit?: { perSecond: number; retryAfterSeconds?: number };
    transactionTimeoutMs?: number;
    startTimeoutMs?: number;
  }): Promise<KamailioFixture>;
}

/** How the cold-start benchmark runs. */
export interface ColdStartOptions {
  readonly users: number;
  /** The server's SUBSCRIBE rate limit for the user-by-user run (per second). */
  readonly rateLimit: number;
  /** The connector's pacing for that run (per second; keep it under the limit). */
  readonly subscribeRate: number;
  /** How long a list run may take before it counts as not reaching full state, ms. */
  readonly listTimeoutMs: number;
  /** Runs to do (default all three). */
  readonly only?: readonly ("list-baseline" | "list" | "per-user")[];
  readonly log: (line: string) => void;
}

/** The cold-start figures (null when a run did not reach full state). */
export interface ColdStartResult {
  readonly skipped?: string;
  /** Hub, one list subscription: ms from start to every user known. */
  readonly listMs?: number | null;
  /** Bare watcher, same list, fresh server: ms to every member known. */
  readonly listBaselineMs?: number | null;
  /** Hub, user by user: ms from start to every user known. */
  readonly perUserMs?: number | null;
  /** users ÷ rate limit, ms. */
  readonly perUserFloorMs?: number;
  /** 503s the server's rate limit answered during the user-by-user run (0 = never a storm). */
  readonly rateLimited503s?: number;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Runs the three cold starts, each against a fresh Kamailio. */
export async function runColdStart(o: ColdStartOptions): Promise<ColdStartResult> {
  let kam: KamailioModule;
  try {
    kam = (await import(new URL("../../../../test/dist/support/kamailio.js", import.meta.url).href)) as KamailioModule;
    kam.kamailioAvailable({ tls: false });
  } catch (e) {
    return { skipped: `Kamailio fixture not available: ${(e as Error).message}`, detail: {} };
  }
  // Short: Kamailio's RPC socket path must fit in 108 bytes.
  const parent = path.join("/tmp", `phb-${process.pid}`);
  mkdirSync(parent, { recursive: true });
  const withServer = async <T>(rateLimit: number | undefined, run: (server: KamailioFixture) => Promise<T>): Promise<T> => {
    const server = await kam.startKamailio({
      ports: { udp: PORTS.kamailio },
      tls: false,
      parentDir: parent,
      // A dummy PIDF for presentities that published nothing: every member has a state to show.
      modes: ["dummy-bodies"],
      generatedUsers: { count: o.users, list: true },
      sharedMemoryMb: 512,
      workers: 4,
      // The RLS subscribes to all 10,000 members at once and the server answers the last of
      // those back-end SUBSCRIBEs some 10 s later: with the fixture's 5 s default they time out
      // and the members are lost from the list.
      transactionTimeoutMs: 60_000,
      startTimeoutMs: 60_000,
      ...(rateLimit ? { rateLimit: { perSecond: rateLimit, retryAfterSeconds: 1 } } : {}),
    });
    try {
      return await run(server);
    } finally {
      await server.dispose();
    }
  };
  const runs = new Set(o.only ?? ["list-baseline", "list", "per-user"]);
  const detail: Record<string, unknown> = {};
  const result: { -readonly [K in keyof ColdStartResult]: ColdStartResult[K] } = { detail, perUserFloorMs: (o.users / o.rateLimit) * 1000 };
  const seconds = (ms: number | null | undefined): string => (ms === null || ms === undefined ? "—" : `${(ms / 1000).toFixed(2)} s`);
  // Kamailio's RLS loses a few members of a big list (see test/fixtures/kamailio/README.md):
  // when the last member that did arrive came tells more than "not reached".
  const shortOf = (r: { ms: number | null; lastMs: number | null }): string => (r.ms === null && r.lastMs !== null ? `, last one at ${seconds(r.lastMs)}` : "");

  if (runs.has("list-baseline")) {
    o.log("cold start: bare watcher, one list subscription (fresh Kamailio)");
    await withServer(undefined, async () => {
      const client = await startProc("list watcher", "rls-client", 1);
      try {
        const r = await client.call<{ ms: number | null; lastMs: number | null; known: number; notifies: number }>(
          "subscribe",
          { host: "127.0.0.1", port: PORTS.kamailio, list: "sip:everyone@127.0.0.1", user: "hub", password: "secret", members: o.users, timeoutMs: o.listTimeoutMs },
          o.listTimeoutMs + 30_000,
        );
        result.listBaselineMs = r.ms;
        detail.listBaseline = r;
        o.log(`  ${r.known}/${o.users} members in ${seconds(r.ms)}${shortOf(r)} (${r.notifies} NOTIFYs)`);
      } finally {
        await client.stop();
      }
    });
  }

  if (runs.has("list")) {
    o.log("cold start: hub, one list subscription over TCP (fresh Kamailio)");
    await withServer(undefined, async () => {
      const connector = {
        id: "kam",
        type: "sip-simple",
        server: `127.0.0.1:${PORTS.kamailio}`,
        protocol: "tcp",
        uri: "hub@127.0.0.1",
        authId: "hub",
        password: "secret",
        resourceListUri: "sip:everyone@127.0.0.1",
        expires: 3600,
        // Kamailio's RLS answers the last back-end subscription ~12 s in and drops a few members
        // for good (see the fixture README): those still silent at 15 s are watched one by one.
        listMemberTimeout: 15,
        // Users the list does not cover (everyone, if the list fails) are watched one by one.
        subscribeRate: o.subscribeRate,
        subscribeBurst: 10,
      };
      const r = await hubToFullState(o, connector, o.listTimeoutMs);
      result.listMs = r.ms;
      detail.list = r;
      o.log(`  ${r.known}/${o.users} users in ${seconds(r.ms)}${shortOf(r)}`);
    });
  }

  if (runs.has("per-user")) {
    o.log(`cold start: hub, user by user over UDP, paced at ${o.subscribeRate}/s under a limit of ${o.rateLimit}/s (fresh Kamailio)`);
    await withServer(o.rateLimit, async (server) => {
      const connector = {
        id: "kam",
        type: "sip-simple",
        server: `127.0.0.1:${PORTS.kamailio}`,
        protocol: "udp",
        uri: "hub@127.0.0.1",
        authId: "hub",
        password: "secret",
        localPort: PORTS.coldHubSip,
        expires: 3600,
        // At most burst + rate SUBSCRIBEs in any second, re-sends after a 401 included (they
        // take a token too); why the rate stays well under the limit: coldPacing in run.ts.
        subscribeRate: o.subscribeRate,
        subscribeBurst: 10,
      };
      const r = await hubToFullState(o, connector, 240_000);
      // The fixture logs every request its rate limit refused, with the wall-clock second.
      const limited = readFileSync(server.logFile, "utf8").match(/RATELIMIT: 503 .* in second \d+/g) ?? [];
      const bySecond: Record<string, number> = {};
      for (const line of limited) {
        const sec = /in second (\d+)/.exec(line)![1]!;
        bySecond[sec] = (bySecond[sec] ?? 0) + 1;
      }
      result.perUserMs = r.ms;
      result.rateLimited503s = limited.length;
      detail.perUser = { ...r, rateLimited503s: limited.length, rateLimitedBySecond: bySecond };
      o.log(`  ${r.known}/${o.users} users in ${seconds(r.ms)}; ${limited.length} SUBSCRIBEs answered 503 by the rate limit`);
    });
  }
  return result;
}

/** A fresh hub with `users` (rich presence only) watched through `connector`, until every user has a state. */
async function hubToFullState(o: ColdStartOptions, connector: Record<string, unknown>, timeoutMs: number): Promise<{ ms: number | null; lastMs: number | null; known: number; counters: Record<string, number> }> {
  const prepared = await prepareHub({ httpPort: PORTS.coldHubHttp, users: o.users, keys: { telephony: false, rich: true }, connectors: [connector] });
  const hub = await startProc("hub", "hub-node", 0);
  try {
    await hub.call("start", { config: prepared.config, fullState: { field: "rich", count: o.users } });
    const full = await hub.call<{ ms: number | null; lastMs: number | null; known: number }>("awaitFull", { timeoutMs }, timeoutMs + 60_000);
    const stats = await hub.call<{ counters: Record<string, number> }>("stats", { connector: "kam" });
    return { ...full, counters: stats.counters };
  } finally {
    await hub.stop();
    prepared.dispose();
  }
}
