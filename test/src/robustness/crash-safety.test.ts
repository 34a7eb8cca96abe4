import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import knexFactory from "knex";
import { stringify } from "yaml";
import { dropSchema, TEST_PG_URL, waitFor } from "@presence-hub/core/testing";
import { runCli, startCli, stopChild } from "../support/run-cli.js";
import { FUZZ_RUNS, DEFAULT_RUNS } from "./fuzz.js";
import { recordFault, recordWrites } from "./report.js";

const PUSH_TOKEN = "crash-test-push-token-0123456789";
const USERS = 12;
/** Kill cycles per store: one in CI, more in the soak. */
const ROUNDS = process.env.PRESENCE_HUB_SOAK || FUZZ_RUNS > DEFAULT_RUNS ? 5 : 1;

/** The last write a loop had acknowledged per key, and the one in flight when the hub died (it may or may not have landed). */
class Ledger {
  readonly acked = new Map<string, number>();
  readonly inflight = new Map<string, number>();
  count = 0;

  begin(key: string, seq: number): void {
    this.inflight.set(key, seq);
  }

  ack(key: string, seq: number): void {
    this.acked.set(key, seq);
    this.inflight.delete(key);
    this.count++;
  }

  /** Whether `found` (the seq the store holds, or null) keeps every acknowledged write of `key`. */
  kept(key: string, found: number | null): boolean {
    const acked = this.acked.get(key);
    if (acked === undefined) return true;
    return found !== null && (found === acked || found === this.inflight.get(key));
  }
}

/**
 * Crash safety: a hub process under a burst of acknowledged writes — notes, user records, a
 * setting and presence pushed through an http-push connector — is killed with SIGKILL, on SQLite
 * (WAL) and on PostgreSQL. The store is then read directly, before any restart: every write the
 * hub acknowledged must be there (or the one still in flight, never anything older), and the
 * store must pass an integrity check. The hub then starts on the crashed store and re-establishes
 * its watches (the connector's GET /watched lists every user again).
 */
for (const store of ["sqlite", "pg"] as const) {
  describe(`Robustness: crash safety (kill -9 during a write burst, ${store})`, function () {
    this.timeout(180_000);
    const dir = mkdtempSync(path.join(tmpdir(), `ph-crash-${store}-`));
    const schema = `crash_${randomBytes(5).toString("hex")}`;
    const config = path.join(dir, "hub.yaml");
    let admin = "";
    let operator = "";
    let hub: { child: ChildProcess; url: string } | null = null;

    before(async () => {
      writeFileSync(
        config,
        stringify({
          http: { port: 0, host: "127.0.0.1" },
          log: { level: "warn" },
          ...(store === "pg" ? { store: { client: "pg", connection: TEST_PG_URL, schema } } : {}),
          presence: { monitorAll: true },
          connectors: [{ id: "feed", type: "http-push", enabled: true, listen: "127.0.0.1:0", token: PUSH_TOKEN, sourceClass: "cti" }],
          users: Array.from({ length: USERS }, (_, i) => ({ username: `u${i}`, firstExtension: `10${String(i).padStart(2, "0")}` })),
        }),
      );
      admin = (await runCli(["token", "create", "--role", "admin", "--config", config])).stdout.trim();
      operator = (await runCli(["token", "create", "--role", "operator", "--config", config])).stdout.trim();
    });
    after(async () => {
      if (hub) await stopChild(hub.child, "SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      if (store === "pg") await dropSchema(schema);
    });

    const api = (method: string, p: string, token: string, body?: unknown) =>
      fetch(`${hub!.url}${p}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });

    /** The http-push connector's address, from its health detail. */
    async function feedUrl(): Promise<string> {
      const detail = await waitFor("feed listening", async () => {
        const body = (await (await api("GET", "/api/v1/connectors", operator)).json()) as { connectors: { id: string; health: { detail: string | null } }[] };
        return /listening on (.+)$/.exec(body.connectors.find((c) => c.id === "feed")?.health.detail ?? "")?.[1];
      });
      return `http://${detail}`;
    }

    async function watched(feed: string): Promise<string[]> {
      const res = await fetch(`${feed}/watched`, { headers: { authorization: `Bearer ${PUSH_TOKEN}` } });
      return ((await res.json()) as { targets: { value: string }[] }).targets.map((t) => t.value).sort();
    }

    /** Reads what the store holds, straight from the database, and checks its integrity. */
    async function readStore(): Promise<{ notes: Map<string, string>; users: Set<string>; pilot: string | null; presence: Map<string, string>; integrity: string }> {
      let rows: { notes: { username: string; text: string }[]; users: { username: string }[]; settings: { key: string; value: string }[]; presence: { username: string; report: string }[] };
      let integrity: string;
      if (store === "sqlite") {
        // Opening the crashed database replays its WAL, as the hub's next start would.
        const db = new Database(path.join(dir, "data", "presence-hub.sqlite"));
        try {
          integrity = (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join(",");
          const fk = db.pragma("foreign_key_check") as unknown[];
          if (fk.length) integrity += `; foreign keys: ${JSON.stringify(fk)}`;
          rows = {
            notes: db.prepare("SELECT username, text FROM notes").all() as never,
            users: db.prepare("SELECT username FROM users").all() as never,
            settings: db.prepare("SELECT key, value FROM settings").all() as never,
            presence: db.prepare("SELECT username, report FROM presence_sources WHERE source = 'feed' AND field = 'telephony'").all() as never,
          };
        } finally {
          db.close();
        }
      } else {
        const knex = knexFactory({ client: "pg", connection: TEST_PG_URL, searchPath: [schema] });
        try {
          // Sanity: every table answers, primary keys hold (no duplicates), and the migrations log is intact.
          const dupes = await knex.raw("SELECT username FROM users GROUP BY username HAVING count(*) > 1");
          const migrations = await knex.raw(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = ?`, [schema]);
          integrity = dupes.rows.length === 0 && migrations.rows[0].n > 5 ? "ok" : `duplicates ${JSON.stringify(dupes.rows)}, tables ${migrations.rows[0].n}`;
          rows = {
            notes: await knex("notes").select("username", "text"),
            users: await knex("users").select("username"),
            settings: await knex("settings").select("key", "value"),
            presence: await knex("presence_sources").where({ source: "feed", field: "telephony" }).select("username", "report"),
          };
        } finally {
          await knex.destroy();
        }
      }
      const pilot = rows.settings.find((s) => s.key === "telephony.voicemailPilot")?.value ?? null;
      return {
        notes: new Map(rows.notes.map((r) => [r.username, r.text])),
        users: new Set(rows.users.map((r) => r.username)),
        pilot: pilot === null ? null : String(JSON.parse(pilot)),
        presence: new Map(rows.presence.map((r) => [r.username, (JSON.parse(r.report) as { detail?: { note?: string } }).detail?.note ?? ""])),
        integrity,
      };
    }

    for (let round = 1; round <= ROUNDS; round++) {
      it(`round ${round}: every acknowledged note, user, setting and presence write survives kill -9; the store is intact; watches come back`, async () => {
        hub = await startCli(["--config", config]);
        const feed = await feedUrl();
        const notes = new Ledger();
        const users = new Ledger();
        const settings = new Ledger();
        const presence = new Ledger();
        let running = true;
        let seq = round * 1_000_000;

        /** One sequential writer: each write waits for its acknowledgement (or the crash) before the next. */
        const loop = async (write: (n: number) => Promise<boolean>) => {
          while (running) {
            const n = ++seq;
            try {
              if (!(await write(n))) break;
            } catch {
              break; // the hub is gone: this write was never acknowledged
            }
          }
        };
        // Each key has exactly one sequential writer (loops split the users between them), so
        // "the last acknowledged write, or the one in flight" is exact for every key.
        const half = USERS / 2;
        const noteLoop = (first: number) =>
          loop(async (n) => {
            const user = `u${first + (n % half)}`;
            notes.begin(user, n);
            const res = await api("PUT", `/api/v1/users/${user}/note`, operator, { text: `note ${n}` });
            if (res.status !== 200) throw new Error(`note: ${res.status}`);
            notes.ack(user, n);
            return true;
          });
        const userLoop = loop(async (n) => {
          users.begin(`x${n}`, n);
          const res = await api("PUT", `/api/v1/users/x${n}`, admin, { displayName: `X ${n}` });
          if (res.status !== 201) throw new Error(`user: ${res.status}`);
          users.ack(`x${n}`, n);
          return true;
        });
        const settingLoop = loop(async (n) => {
          settings.begin("pilot", n);
          const res = await api("PUT", "/api/v1/settings/telephony.voicemailPilot", admin, { value: String(n) });
          if (res.status !== 200) throw new Error(`setting: ${res.status}`);
          settings.ack("pilot", n);
          return true;
        });
        const pushLoop = (first: number) =>
          loop(async (n) => {
            const i = first + (n % half);
            presence.begin(`u${i}`, n);
            const res = await fetch(`${feed}/presence`, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${PUSH_TOKEN}` },
              body: JSON.stringify({ extension: `10${String(i).padStart(2, "0")}`, telephony: { line: n % 2 ? "busy" : "available", note: `p ${n}` } }),
            });
            if (res.status !== 202) throw new Error(`push: ${res.status}`);
            presence.ack(`u${i}`, n);
            return true;
          });
        const loops = [noteLoop(0), noteLoop(half), userLoop, settingLoop, pushLoop(0), pushLoop(half)];

        // Kill in the middle of the burst, at a moment nobody chose.
        await new Promise((r) => setTimeout(r, 700 + Math.random() * 800));
        hub.child.kill("SIGKILL");
        await stopChild(hub.child);
        running = false;
        await Promise.all(loops);
        hub = null;

        const stored = await readStore();
        expect(stored.integrity, "integrity check").to.equal("ok");
        const seqOf = (text: string | undefined, prefix: string) => (text?.startsWith(prefix) ? Number(text.slice(prefix.length)) : null);
        const lost = {
          notes: [...notes.acked.keys()].filter((u) => !notes.kept(u, seqOf(stored.notes.get(u), "note "))),
          users: [...users.acked.keys()].filter((u) => !stored.users.has(u)),
          settings: settings.kept("pilot", stored.pilot === null ? null : Number(stored.pilot)) ? [] : [`pilot ${stored.pilot} (acked ${settings.acked.get("pilot")})`],
          presence: [...presence.acked.keys()].filter((u) => !presence.kept(u, seqOf(stored.presence.get(u), "p "))).map((u) => `${u}: stored "${stored.presence.get(u)}", acked p ${presence.acked.get(u)}`),
        };
        recordWrites(`notes (${store})`, { acknowledged: notes.count, lost: lost.notes.length });
        recordWrites(`user records (${store})`, { acknowledged: users.count, lost: lost.users.length });
        recordWrites(`settings (${store})`, { acknowledged: settings.count, lost: lost.settings.length });
        recordWrites(`presence via http-push (${store})`, { acknowledged: presence.count, lost: lost.presence.length });
        expect(notes.count + users.count + settings.count + presence.count, "writes acknowledged before the kill").to.be.greaterThan(20);
        expect(lost).to.deep.equal({ notes: [], users: [], settings: [], presence: [] });

        // The hub starts on the crashed store, shows what it had, and asks for every user again.
        hub = await startCli(["--config", config]);
        const feedAgain = await feedUrl();
        const expected = Array.from({ length: USERS }, (_, i) => `10${String(i).padStart(2, "0")}`).sort();
        await waitFor("watches re-established", async () => JSON.stringify((await watched(feedAgain)).filter((v) => v.startsWith("10"))) === JSON.stringify(expected));
        const someone = [...notes.acked.keys()][0];
        if (someone) {
          const user = (await (await api("GET", `/api/v1/users/${someone}`, operator)).json()) as { note: { text: string } | null };
          expect(notes.kept(someone, seqOf(user.note?.text, "note "))).to.equal(true);
        }
        await stopChild(hub.child);
        hub = null;
        recordFault(`kill -9 during a write burst (${store})`, { injected: 1, survived: 1, recoveries: 1 });
      });
    }
  });
}
