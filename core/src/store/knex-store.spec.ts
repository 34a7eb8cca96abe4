import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "../app/create-logger.js";
import type { StoreConfig } from "../config/hub-config-schema.js";
import { ConflictError } from "../errors/conflict-error.js";
import { dropSchema, TEST_PG_URL } from "../testing/start-test-hub.js";
import { KnexStore } from "./knex-store.js";
import { SecretBox } from "./secret-box.js";

const logger = createLogger("silent");
const box = SecretBox.fromKey(randomBytes(32));

const dialects: { name: string; config: () => StoreConfig; cleanup: (c: StoreConfig) => Promise<void> }[] = [
  {
    name: "SQLite",
    config: () => ({ client: "sqlite3", filename: path.join(mkdtempSync(path.join(tmpdir(), "ph-store-")), "hub.sqlite"), historyLimit: 5 }),
    cleanup: async () => {},
  },
  {
    name: "PostgreSQL",
    config: () => ({ client: "pg", connection: TEST_PG_URL, schema: `t_${randomBytes(6).toString("hex")}`, historyLimit: 5 }),
    cleanup: (c) => dropSchema(c.schema!),
  },
];

for (const dialect of dialects) {
  describe(`KnexStore on ${dialect.name}`, () => {
    let config: StoreConfig;
    let store: KnexStore;

    beforeEach(async () => {
      config = dialect.config();
      store = new KnexStore(config, box, logger);
      await store.open();
    });
    afterEach(async () => {
      await store.close();
      await dialect.cleanup(config);
    });

    it("applies migrations once; reopening is a no-op", async () => {
      expect(await store.appliedMigrations()).to.deep.equal(["core/0001-initial", "core/0002-cluster"]);
      const again = new KnexStore(config, box, logger, [{ owner: "demo", migrations: [{ name: "0001-x", up: (k) => k.schema.createTable("demo_x", (t) => t.integer("n")) }] }]);
      await again.open();
      expect(await again.appliedMigrations()).to.deep.equal(["core/0001-initial", "core/0002-cluster", "demo/0001-x"]);
      await again.close();
    });

    it("keeps users and names the field of a uniqueness conflict", async () => {
      const alice = { username: "alice", displayName: "Alice", firstExtension: "1001", sipUri: "sip:alice@pbx", voicemailNumber: "8001", origin: "manual" };
      expect(await store.users.upsert(alice)).to.equal("created");
      expect(await store.users.upsert(alice)).to.equal("unchanged");
      expect(await store.users.upsert({ ...alice, displayName: "Alice E." })).to.equal("updated");
      try {
        await store.users.upsert({ ...alice, username: "bob", sipUri: null });
        expect.fail("expected a conflict");
      } catch (e) {
        expect(e).to.be.instanceOf(ConflictError);
        expect((e as ConflictError).field).to.equal("firstExtension");
      }
      try {
        await store.users.upsert({ ...alice, username: "carol", firstExtension: null, sipUri: "sip:alice@PBX:5060" });
        expect.fail("expected a conflict");
      } catch (e) {
        expect((e as ConflictError).field).to.equal("sipUri");
      }
      expect((await store.users.list()).map((u) => u.username)).to.deep.equal(["alice"]);
      expect(await store.users.remove("alice")).to.equal(true);
      expect(await store.users.get("alice")).to.equal(null);
    });

    it("encrypts connector secrets at rest and returns them decrypted", async () => {
      await store.connectors.save({ id: "pbx", type: "sip-simple", enabled: true, position: 0, settings: { server: "192.0.2.10" }, secrets: { password: "hunter2-pw" } });
      const raw = await store.knex("connectors").where({ id: "pbx" }).first();
      expect(JSON.stringify(raw)).to.not.contain("hunter2-pw");
      expect((await store.connectors.get("pbx"))!.secrets.password).to.equal("hunter2-pw");
      expect((await store.connectors.list())[0]).to.include({ id: "pbx", enabled: true, position: 0 });
    });

    it("writes presence batches, reloads them, and bounds the history", async () => {
      const state = { status: "busy", detail: {}, since: 5, provenance: { source: "pbx", rule: "only-source", at: 5 } } as const;
      for (let i = 0; i < 120; i++) {
        await store.presence.write({
          sources: [{ username: "alice", field: "telephony", source: "pbx", report: { kind: "state", line: "busy" }, at: i }],
          removedSources: [],
          states: [{ username: "alice", field: "telephony", state: { ...state, since: i } }],
          history: [{ username: "alice", field: "telephony", status: i % 2 ? "busy" : "available", source: "pbx", rule: "only-source", at: i }],
        });
      }
      expect(await store.presence.loadSources()).to.deep.equal([{ username: "alice", field: "telephony", source: "pbx", report: { kind: "state", line: "busy" }, at: 119 }]);
      expect((await store.presence.loadStates())[0]!.state).to.deep.include({ status: "busy", since: 119 });
      const history = await store.presence.history("alice", 1000);
      expect(history[0]).to.include({ at: 119 });
      expect(history.length).to.be.at.most(5 + 100);
      await store.presence.write({ sources: [], removedSources: [{ username: "alice", field: "telephony", source: "pbx" }], states: [], history: [] });
      expect(await store.presence.loadSources()).to.deep.equal([]);
    });

    it("keeps accounts, hashed tokens, settings and seeds", async () => {
      await store.accounts.save({ username: "admin", role: "admin", passwordHash: "scrypt$x" });
      expect(await store.accounts.list()).to.deep.equal([{ username: "admin", role: "admin" }]);
      await store.tokens.create({ id: "abc", role: "operator", label: "console", createdAt: 7 }, "f".repeat(64));
      expect(await store.tokens.findByHash("f".repeat(64))).to.deep.equal({ id: "abc", role: "operator", label: "console", createdAt: 7 });
      await store.settings.set("telephony.voicemailPilot", "8000");
      await store.settings.set("telephony.voicemailPilot", "8100");
      expect(await store.settings.getAll()).to.deep.equal({ "telephony.voicemailPilot": "8100" });
      await store.seeds.set("user", "alice", "h1");
      expect(await store.seeds.get("user", "alice")).to.equal("h1");
    });
  });
}

describe("KnexStore on PostgreSQL, several nodes at once", () => {
  it("migrates exactly once when nodes start together", async () => {
    const config: StoreConfig = { client: "pg", connection: TEST_PG_URL, schema: `t_${randomBytes(6).toString("hex")}`, historyLimit: 10 };
    const stores = [0, 1, 2].map(() => new KnexStore(config, box, logger));
    try {
      await Promise.all(stores.map((s) => s.open()));
      const rows = await stores[0]!.knex("presence_hub_migrations").select("name");
      expect(rows).to.have.length(2);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await dropSchema(config.schema!);
    }
  });
});
