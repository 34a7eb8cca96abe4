import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import knexFactory, { type Knex } from "knex";
import { stringify } from "yaml";
import { dropSchema, TEST_PG_URL, waitFor } from "@presence-hub/core/testing";
import { KAMAILIO_ACCOUNTS, kamailioAvailable, startKamailio, type KamailioInstance } from "./support/kamailio.js";
import { runCli, startCli, stopChild } from "./support/run-cli.js";
import { PresencePublisher, startWatcher, type Watcher } from "./support/sipp.js";
import { StreamClient } from "./support/stream-client.js";
import { startTcpProxy } from "./support/tcp-proxy.js";
import { launchBrowser, screenshot, signIn } from "./support/browser.js";

type Node = Awaited<ReturnType<typeof startCli>> & { id: string };

/**
 * Three hub processes on one PostgreSQL schema and a real Kamailio (TCP): consoles anywhere see
 * changes from subscriptions owned elsewhere; killing the owner moves its work within the lease
 * bound; no subscription is ever held twice (Kamailio's own watcher list says so); notes reach
 * consoles on other nodes at once; a returning node rebalances without duplicates.
 * Ports 25900-25949.
 */
describe("Cluster of three hub nodes on PostgreSQL", function () {
  this.timeout(240_000);
  const LEASE_S = 2;
  const dir = mkdtempSync(path.join(tmpdir(), "ph-cluster-"));
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const configs: Record<string, string> = {};
  const nodes = new Map<string, Node>();
  let kam: KamailioInstance;
  let db: Knex;
  let token: string;

  function writeConfig(id: string, connection = TEST_PG_URL): string {
    const file = path.join(dir, `${id}.yaml`);
    writeFileSync(
      file,
      stringify({
        http: { port: 0, host: "127.0.0.1" },
        store: { client: "pg", connection, schema },
        secrets: { keyFile: path.join(dir, "shared-secret.key") }, // every node must share the key
        log: { level: "warn" },
        cluster: { enabled: true, nodeId: id, leaseSeconds: LEASE_S },
        connectors: [
          { id: "kam", type: "sip-simple", server: "127.0.0.1:25900", protocol: "tcp", uri: "hub@127.0.0.1", authId: "hub", password: "secret", t1Ms: 100, healthCheckSeconds: 5, subscribeRate: 100 },
        ],
        users: [
          { username: "alice", displayName: "Alice", sipUri: "sip:alice@127.0.0.1" },
          { username: "bob", displayName: "Bob", sipUri: "sip:bob@127.0.0.1" },
        ],
      }),
    );
    configs[id] = file;
    return file;
  }

  async function startNode(id: string): Promise<Node> {
    const node = { ...(await startCli(["--config", configs[id] ?? writeConfig(id)])), id };
    nodes.set(id, node);
    return node;
  }

  /** The node holding alice's rich-presence subscription, per the claims table. */
  async function owner(unit = "kam|rich|sipUri:sip:alice@127.0.0.1"): Promise<string | null> {
    const row = await db("cluster_claims").withSchema(schema).where({ unit }).first();
    return row?.node_id ?? null;
  }

  /** Watchers of alice's presence that Kamailio lists as active (via presence.winfo). */
  async function activeHubWatchers(localPort: number): Promise<number> {
    const winfo: Watcher = await startWatcher({ server: kam, localPort, traceDir: dir, account: KAMAILIO_ACCOUNTS.alice, target: "alice", event: "presence.winfo", idleMs: 1500 });
    const notify = await winfo.waitForNotify((m) => /<watcher /.test(m.body ?? "") || /watcher-list/.test(m.body ?? ""), 10_000, "a watcherinfo NOTIFY");
    await winfo.finished().catch(() => {});
    const body = notify.body ?? "";
    return [...body.matchAll(/<watcher [^>]*status="active"[^>]*>\s*sip:hub@127\.0\.0\.1\s*<\/watcher>/g)].length;
  }

  before(async () => {
    kamailioAvailable();
    kam = await startKamailio({ ports: { udp: 25900 }, tls: false, parentDir: dir });
    db = knexFactory({ client: "pg", connection: TEST_PG_URL });
    await startNode("node-a");
    token = (await runCli(["token", "create", "--role", "admin", "--config", configs["node-a"]!])).stdout.trim();
    await Promise.all([startNode("node-b"), startNode("node-c")]);
    await waitFor("three live nodes", async () => (await db("cluster_nodes").withSchema(schema)).length === 3, 15_000);
  });
  after(async () => {
    for (const n of nodes.values()) await stopChild(n.child);
    await db?.destroy();
    await kam?.dispose();
    await dropSchema(schema);
  });

  let consoleNode: Node;
  let console1: StreamClient;

  it("a console on one node sees changes from a subscription another node owns", async () => {
    // Watch from node-a, find the owner, and make sure the console sits on another node.
    const probe = await StreamClient.connect(nodes.get("node-a")!.url, { token });
    probe.send({ watch: ["alice"] });
    await probe.waitFor("snapshot", (m) => m.type === "snapshot");
    const holder = await waitFor("alice's subscription owned", () => owner(), 15_000);
    consoleNode = [...nodes.values()].find((n) => n.id !== holder)!;
    console1 = consoleNode.id === "node-a" ? probe : await StreamClient.connect(consoleNode.url, { token });
    if (console1 !== probe) {
      console1.send({ watch: ["alice"] });
      await console1.waitFor("snapshot", (m) => m.type === "snapshot");
      await probe.close();
    }
    const alice = new PresencePublisher({ server: kam, localPort: 25910, traceDir: dir, account: KAMAILIO_ACCOUNTS.alice });
    await alice.publish("away", { note: "seen across nodes" });
    await console1.waitFor("alice away on the console of a non-owner", (m) => (m.users ?? []).some((u) => u.rich.message === "seen across nodes"), 10_000);
    expect(await owner()).to.not.equal(consoleNode.id);
  });

  it("holds every subscription exactly once (Kamailio's watcher list)", async () => {
    const rows = await db("cluster_claims").withSchema(schema).where("unit", "like", "kam|rich|sipUri:sip:alice%");
    expect(rows).to.have.length(1);
    expect(await activeHubWatchers(25911)).to.equal(1);
  });

  it("moves the work of a killed owner to another node within two leases", async () => {
    const holder = (await owner())!;
    const victim = nodes.get(holder)!;
    const killedAt = Date.now();
    victim.child.kill("SIGKILL");
    await stopChild(victim.child);
    nodes.delete(holder);
    const next = await waitFor("a new owner", async () => {
      const o = await owner();
      return o && o !== holder ? o : null;
    }, 3 * LEASE_S * 1000);
    expect(Date.now() - killedAt).to.be.below(2 * LEASE_S * 1000 + 1500);
    expect(next).to.not.equal(holder);
    const alice = new PresencePublisher({ server: kam, localPort: 25912, traceDir: dir, account: KAMAILIO_ACCOUNTS.alice });
    await alice.publish("busy", { note: "after the owner died" });
    await console1.waitFor("alice busy after the takeover", (m) => (m.users ?? []).some((u) => u.rich.message === "after the owner died"), 15_000);
    // The dead node's TCP dialog died with it; only the new owner's subscription remains.
    await waitFor("one active watcher again", async () => (await activeHubWatchers(25913)) === 1, 20_000);
  });

  it("shows a note written on one node on a console on another node at once", async () => {
    const [writer, reader] = [...nodes.values()];
    const other = await StreamClient.connect(reader!.url, { token });
    other.send({ watch: ["bob"] });
    await other.waitFor("snapshot", (m) => m.type === "snapshot");
    const started = performance.now();
    const res = await fetch(`${writer!.url}/api/v1/users/bob/note`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ text: "Written on another node" }) });
    expect(res.status).to.equal(200);
    await other.waitFor("bob's note on the other node", (m) => (m.users ?? []).some((u) => (u.note as { text?: string } | null)?.text === "Written on another node"), 2000);
    expect(performance.now() - started).to.be.below(1000);
    await other.close();
  });

  it("applies settings and user edits made on one node on every node, without restarts", async () => {
    const [a, b] = [...nodes.values()];
    const put = await fetch(`${a!.url}/api/v1/settings/telephony.voicemailPilot`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ value: "8999" }) });
    expect(put.status).to.equal(200);
    await waitFor("the pilot on the other node", async () => {
      const body = (await (await fetch(`${b!.url}/api/v1/settings`, { headers: { authorization: `Bearer ${token}` } })).json()) as { settings: { key: string; value: unknown }[] };
      return body.settings.find((x) => x.key === "telephony.voicemailPilot")!.value === "8999";
    }, 3000);
    const consoleOnB = await StreamClient.connect(b!.url, { token });
    consoleOnB.send({ watch: "all" });
    await consoleOnB.waitFor("snapshot", (m) => m.type === "snapshot");
    // A user added through node a's admin API reaches node b's console and store view.
    const { stdout } = await runCli(["users", "import", writeCsv("carol,Carol,,sip:carol@127.0.0.1,"), "--config", configs["node-a"]!]);
    expect(stdout).to.contain("created 1");
    await consoleOnB.waitFor("carol on node b's console", (m) => (m.users ?? []).some((u) => u.username === "carol"), 3000);
    const cluster = (await (await fetch(`${b!.url}/api/v1/cluster`, { headers: { authorization: `Bearer ${token}` } })).json()) as { nodes: { nodeId: string; alive: boolean; watches: number }[] };
    expect(cluster.nodes.filter((n) => n.alive)).to.have.length(2);
    expect(cluster.nodes.reduce((sum, n) => sum + n.watches, 0)).to.be.greaterThan(0);
    await consoleOnB.close();
  });

  function writeCsv(row: string): string {
    const file = path.join(dir, `users-${randomBytes(3).toString("hex")}.csv`);
    writeFileSync(file, `username,displayName,firstExtension,sipUri,voicemailNumber\n${row}\n`);
    return file;
  }

  it("shows every node with its health and the subscriptions it holds in Manage Services", async () => {
    const node = [...nodes.values()][0]!;
    await runCli(["admin", "add", "root", "--password-stdin", "--config", configs["node-a"]!], { stdin: "cluster admin password\n" });
    const browser = await launchBrowser();
    try {
      const tp = await browser.newPage();
      const page = tp.page;
      await page.goto(`${node.url}/admin/login?next=%2Fadmin%2Fservices`);
      await signIn(page, "root", "cluster admin password");
      await page.waitForURL(/\/admin\/services$/);
      await page.locator("#cluster-table tbody tr").first().waitFor();
      const rows = await page.locator("#cluster-table tbody tr").count();
      expect(rows).to.be.at.least(2);
      expect(await page.locator('#cluster-table [data-alive="true"]').count()).to.equal(nodes.size);
      expect(await page.locator("#cluster-table").textContent()).to.contain("(this node)");
      await screenshot(page, "cluster", "manage-services-nodes");
      expect(tp.problems()).to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });

  it("a node cut off from the database stops its subscriptions before another node takes them", async () => {
    const proxy = await startTcpProxy(5432);
    const id = "node-p";
    writeConfig(id, TEST_PG_URL.replace(":5432", `:${proxy.port}`));
    const p = await startNode(id);
    try {
      // Give node-p something to own: bob's unit moves to whichever node rendezvous picks.
      const c = await StreamClient.connect(p.url, { token });
      c.send({ watch: ["alice", "bob"] });
      await c.waitFor("snapshot", (m) => m.type === "snapshot");
      const held = await waitFor("node-p holds a unit", async () => (await db("cluster_claims").withSchema(schema).where({ node_id: id }).first())?.unit ?? null, 10_000);
      proxy.cut();
      // node-p fences at 0.8 lease and un-SUBSCRIBEs; the others take over only after a full lease.
      const takenOver = await waitFor("another node holds the unit", async () => {
        const row = await db("cluster_claims").withSchema(schema).where({ unit: held }).first();
        return row && row.node_id !== id ? row.node_id : null;
      }, 4 * LEASE_S * 1000);
      expect(takenOver).to.not.equal(id);
      if (held.includes("sipUri:sip:alice")) expect(await activeHubWatchers(25916)).to.equal(1);
      await c.close();
    } finally {
      proxy.restore();
      await stopChild(p.child);
      nodes.delete(id);
      await proxy.close();
    }
  });

  it("rebalances without duplicates when the killed node comes back", async () => {
    const missing = ["node-a", "node-b", "node-c"].find((id) => !nodes.has(id))!;
    await db("cluster_nodes").withSchema(schema).where({ node_id: "node-p" }).delete();
    await startNode(missing);
    await waitFor("three live nodes again", async () => {
      const rows = await db("cluster_nodes").withSchema(schema);
      return rows.filter((r) => Date.now() - Number(r.heartbeat_at) < LEASE_S * 1000).length === 3;
    }, 15_000);
    await new Promise((r) => setTimeout(r, 2 * LEASE_S * 1000)); // let ownership settle
    const claims = await db("cluster_claims").withSchema(schema).select("unit");
    expect(new Set(claims.map((c) => c.unit)).size).to.equal(claims.length);
    await waitFor("still exactly one active watcher", async () => (await activeHubWatchers(25914)) === 1, 20_000);
    const alice = new PresencePublisher({ server: kam, localPort: 25915, traceDir: dir, account: KAMAILIO_ACCOUNTS.alice });
    await alice.publish("available", { note: "after the rebalance" });
    await console1.waitFor("alice after the rebalance", (m) => (m.users ?? []).some((u) => u.rich.message === "after the rebalance"), 15_000);
    await console1.close();
  });
});
