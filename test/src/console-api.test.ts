import { expect } from "chai";
import { Validator } from "@seriousme/openapi-schema-validator";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { push, pushConnector, watched } from "./support/http-push-client.js";
import { StreamClient } from "./support/stream-client.js";

/** The console API over real HTTP and WebSocket connections. */
describe("Console API", function () {
  this.timeout(30_000);
  let hub: TestHub;
  let operator: string;
  let admin: string;

  before(async () => {
    hub = await startTestHub({
      config: {
        connectors: [pushConnector("feed", { sourceClass: "cti" })],
        users: [
          { username: "alice", displayName: "Alice Example", firstExtension: "1001", sipUri: "sip:alice@pbx.example" },
          { username: "bob", displayName: "Bob Builder", firstExtension: "1002", sipUri: "sip:bob@pbx.example" },
          { username: "carol", displayName: "Carol Singer", firstExtension: "1003" },
          ...Array.from({ length: 10 }, (_, i) => ({ username: `u${i}`, displayName: `User ${i}`, firstExtension: `20${i}0` })),
        ],
        pluginOptions: { "console-api": { flushMs: 20, changeLogSize: 200 } },
      },
    });
    operator = await hub.token("operator");
    admin = await hub.token("admin");
  });
  after(() => hub?.stop());

  const get = (path: string, token: string | null = operator) => fetch(`${hub.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  describe("REST", () => {
    it("requires authentication", async () => {
      expect((await get("/api/v1/users", null)).status).to.equal(401);
      expect((await get("/api/v1/users", "phub_not-a-real-token")).status).to.equal(401);
      expect((await get(`/api/v1/users?token=${operator}`, null)).status).to.equal(200);
    });

    it("returns users with presence in the documented shape", async () => {
      const res = await get("/api/v1/users/alice");
      const body = (await res.json()) as Record<string, unknown> & { telephony: Record<string, unknown>; rich: Record<string, unknown> };
      expect(body).to.include({ username: "alice", displayName: "Alice Example", firstExtension: "1001", sipUri: "sip:alice@pbx.example", note: null });
      expect(body.telephony).to.include({ status: "not-requested", source: "hub", rule: "no-demand" });
      expect(body.telephony).to.have.keys("status", "source", "rule", "derivation", "since", "detail");
      expect(body.rich).to.include({ status: "not-requested", message: null });
      expect((await get("/api/v1/users/nobody")).status).to.equal(404);
    });

    it("searches and filters by status and status group", async () => {
      const names = async (query: string) => ((await (await get(`/api/v1/users?${query}`)).json()) as { users: { username: string }[] }).users.map((u) => u.username);
      expect(await names("q=builder")).to.deep.equal(["bob"]);
      expect(await names("q=100")).to.have.members(["alice", "bob", "carol"]);
      expect(await names("rich=user-not-configured&q=e")).to.include("carol");
      expect(await names("telephony=service&q=alice")).to.deep.equal(["alice"]);
      expect(await names("telephony=busy")).to.deep.equal([]);
      expect(await names("limit=2&order=username")).to.deep.equal(["alice", "bob"]);
    });

    it("refuses bad queries with 400 naming the field", async () => {
      const res = await get("/api/v1/users?limit=0&colour=red");
      expect(res.status).to.equal(400);
      const body = (await res.json()) as { issues: { path: string }[] };
      expect(body.issues.map((i) => i.path)).to.have.members(["limit", "colour"]);
    });

    it("starts a one-minute diagnostics subscription", async () => {
      const res = await fetch(`${hub.url}/api/v1/diagnostics/subscriptions`, {
        method: "POST",
        headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
        body: JSON.stringify({ username: "carol" }),
      });
      expect(res.status).to.equal(200);
      const body = (await res.json()) as { until: number };
      expect(body.until - Date.now()).to.be.within(55_000, 61_000);
      expect(await watched(hub.app, "feed")).to.include("telephony:1003");
      const bad = await fetch(`${hub.url}/api/v1/diagnostics/subscriptions`, { method: "POST", headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" }, body: "{}" });
      expect(bad.status).to.equal(400);
    });

    it("lists connectors with status and advice, never their secrets", async () => {
      const text = await (await get("/api/v1/connectors")).text();
      const body = JSON.parse(text) as { connectors: { id: string; health: { status: string }; advice: string; secretsSet: Record<string, boolean> }[] };
      expect(body.connectors[0]).to.deep.include({ id: "feed", secretsSet: { token: true } });
      expect(body.connectors[0]!.health.status).to.equal("up-and-running");
      expect(body.connectors[0]!.advice).to.match(/Successfully connected/);
      expect(text).to.not.contain("test-push-token");
      expect((await get("/api/v1/connectors/feed/trace")).status).to.equal(403);
      expect((await get("/api/v1/connectors/feed/trace", admin)).status).to.equal(200);
    });
  });

  describe("stream", () => {
    it("refuses connections without credentials", async () => {
      try {
        await StreamClient.connect(hub.url);
        expect.fail("expected a refusal");
      } catch (e) {
        expect((e as Error).message).to.equal("upgrade refused: 401");
      }
    });

    it("sends a snapshot, then deltas with increasing seq; watching creates subscription demand and closing releases it", async () => {
      const c = await StreamClient.connect(hub.url, { token: operator });
      c.send({ watch: ["alice", "bob", "nobody"] });
      const snap = await c.waitFor("snapshot", (m) => m.type === "snapshot");
      expect(snap.users!.map((u) => u.username).sort()).to.deep.equal(["alice", "bob"]);
      expect(snap.users![0]!.telephony.status).to.equal("requesting");
      expect(await watched(hub.app, "feed")).to.include.members(["telephony:1001", "telephony:1002"]);
      await push(hub.app, "feed", { extension: "1001", telephony: { line: "busy" } });
      const delta = await c.waitFor("alice busy", (m) => m.type === "delta" && m.users!.some((u) => u.username === "alice" && u.telephony.status === "busy"));
      expect(delta.seq).to.be.greaterThan(snap.seq);
      await c.close();
      await waitFor("demand released", async () => !(await watched(hub.app, "feed")).includes("telephony:1001"));
    });

    it("coalesces a burst of 1,000 changes into a handful of frames and ends on the right state", async () => {
      const c = await StreamClient.connect(hub.url, { token: operator });
      c.send({ watch: "all" });
      await c.waitFor("snapshot", (m) => m.type === "snapshot");
      const lines = ["available", "ringing", "busy", "offline"] as const;
      const updates = Array.from({ length: 1000 }, (_, i) => ({ extension: `20${i % 10}0`, telephony: { line: lines[i % 4] } }));
      await push(hub.app, "feed", { updates });
      await c.waitFor("the last change", (m) => m.type === "delta" && m.users!.some((u) => u.username === "u9" && u.telephony.status === "offline"));
      const deltas = c.messages.filter((m) => m.type === "delta");
      expect(deltas.length).to.be.at.most(5);
      for (let i = 0; i < 10; i++) expect(c.latest().get(`u${i}`)!.telephony.status).to.equal(lines[(990 + i) % 4]);
      const seqs = c.messages.map((m) => m.seq);
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
      await c.close();
    });

    it("resumes with ?since: exactly the users that changed, nothing lost, nothing repeated", async () => {
      const c = await StreamClient.connect(hub.url, { token: operator });
      c.send({ watch: ["alice", "bob", "carol"] });
      // Someone else keeps these users watched while this console is away (the diagnostics
      // minute here); otherwise closing would release them and their changes would be ignored.
      hub.app.hub.requestDiagnostics("alice");
      hub.app.hub.requestDiagnostics("bob");
      const snap = await c.waitFor("snapshot", (m) => m.type === "snapshot");
      await c.close();
      await push(hub.app, "feed", { extension: "1002", telephony: { line: "ringing" } });
      await push(hub.app, "feed", { extension: "1002", telephony: { line: "busy" } });
      await push(hub.app, "feed", { extension: "2000", telephony: { line: "busy" } }); // not watched
      const again = await StreamClient.connect(hub.url, { token: operator, query: `since=${snap.seq}` });
      again.send({ watch: ["alice", "bob", "carol"] });
      const replay = await again.waitFor("replay", (m) => m.type === "replay");
      expect(replay.since).to.equal(snap.seq);
      // bob changed twice: one entry with his latest state; alice and carol did not change.
      expect(replay.users!.map((u) => u.username)).to.deep.equal(["bob"]);
      expect(replay.users![0]!.telephony.status).to.equal("busy");
      expect(replay.seq).to.be.greaterThan(snap.seq);
      await push(hub.app, "feed", { extension: "1001", telephony: { line: "available" } });
      const next = await again.waitFor("a live delta", (m) => m.type === "delta");
      expect(next.seq).to.be.greaterThan(replay.seq);
      expect(next.users!.map((u) => u.username)).to.deep.equal(["alice"]);
      await again.close();
    });

    it("sends a fresh snapshot for a resume point from another epoch (a restarted hub, another node), and replays deletions", async () => {
      const c = await StreamClient.connect(hub.url, { token: operator });
      c.send({ watch: ["alice", "u9"] });
      const snap = await c.waitFor("snapshot", (m) => m.type === "snapshot");
      const epoch = (snap as unknown as { epoch: string }).epoch;
      expect(epoch).to.match(/^[0-9a-f]{12}$/);
      await c.close();
      const foreign = await StreamClient.connect(hub.url, { token: operator, query: `since=${snap.seq}&epoch=0000deadbeef` });
      foreign.send({ watch: ["alice"] });
      expect((await foreign.waitFor("answer", (m) => m.type === "snapshot" || m.type === "replay")).type).to.equal("snapshot");
      await foreign.close();
      hub.app.hub.requestDiagnostics("u9");
      await hub.app.hub.removeUser("u9");
      const same = await StreamClient.connect(hub.url, { token: operator, query: `since=${snap.seq}&epoch=${epoch}` });
      same.send({ watch: ["alice", "u9"] });
      const replay = await same.waitFor("replay", (m) => m.type === "replay");
      expect(replay.removed).to.deep.equal(["u9"]);
      await same.close();
    });

    it("sends a fresh snapshot when the resume point is too old", async () => {
      const c = await StreamClient.connect(hub.url, { token: operator, query: "since=1" });
      await push(hub.app, "feed", { updates: Array.from({ length: 300 }, (_, i) => ({ extension: "2000", telephony: { line: i % 2 ? "busy" : "available" } })) });
      c.send({ watch: ["alice"] });
      expect((await c.waitFor("snapshot", (m) => m.type === "snapshot" || m.type === "replay")).type).to.equal("snapshot");
      await c.close();
    });

    it("answers bad client messages with an error frame and keeps the connection", async () => {
      const c = await StreamClient.connect(hub.url, { token: operator });
      c.send("{nope");
      c.send({ watch: 42 });
      await c.waitFor("two errors", () => c.messages.filter((m) => m.type === "error").length === 2);
      c.send({ watch: ["alice"] });
      await c.waitFor("snapshot after errors", (m) => m.type === "snapshot");
      expect(c.messages.every((m) => typeof m.seq === "number")).to.equal(true);
      await c.close();
    });

    it("takes a browser session cookie only from the hub's own origin", async () => {
      await hub.app.accounts.addAccount("op2", "operator password 2", "operator");
      const login = await fetch(`${hub.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "op2", password: "operator password 2" }) });
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      const host = new URL(hub.url).host;
      try {
        await StreamClient.connect(hub.url, { headers: { cookie, origin: "https://evil.example" } });
        expect.fail("a foreign origin must be refused");
      } catch (e) {
        expect((e as Error).message).to.equal("upgrade refused: 401");
      }
      const ok = await StreamClient.connect(hub.url, { headers: { cookie, origin: `http://${host}` } });
      ok.send({ watch: ["alice"] });
      await ok.waitFor("snapshot", (m) => m.type === "snapshot");
      await ok.close();
    });
  });

  describe("OpenAPI", () => {
    it("is a valid OpenAPI 3.1 document listing every /api/v1 route", async () => {
      const doc = (await (await fetch(`${hub.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      const result = await new Validator().validate(doc as Parameters<Validator["validate"]>[0]);
      expect(result.valid, JSON.stringify(result.errors)).to.equal(true);
      const listed = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
      for (const route of hub.app.server.table()) {
        if (route.path.startsWith("/api/v1")) expect(listed.has(`${route.method} ${route.path}`), `${route.method} ${route.path}`).to.equal(true);
      }
      expect(listed.has("get /api/v1/stream")).to.equal(true);
      expect(doc.paths["/api/v1/users"]!.get).to.have.nested.property("responses.200.content");
    });
  });
});
