import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { stringify } from "yaml";
import { runCli, startCli, stopChild } from "./support/run-cli.js";
import { waitFor } from "@presence-hub/core/testing";

const PUSH_TOKEN = "backup-push-token-0123456789";
const USERS = Array.from({ length: 40 }, (_, i) => ({ username: `u${2000 + i}`, displayName: `User ${i}`, firstExtension: String(2000 + i) }));
const LINES = ["available", "ringing", "busy", "offline"] as const;

type Row = Record<string, unknown>;

/** Every table's rows (ordered by every column) and the schema: two equal dumps are the same database. */
function dump(file: string): { schema: Row[]; tables: Record<string, Row[]> } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const schema = db.prepare("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name").all() as Row[];
    const tables: Record<string, Row[]> = {};
    for (const { name } of db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[]) {
      const columns = (db.prepare(`pragma table_info("${name}")`).all() as { name: string }[]).map((c) => `"${c.name}"`);
      tables[name] = db.prepare(`select * from "${name}" order by ${columns.join(", ")}`).all() as Row[];
    }
    return { schema, tables };
  } finally {
    db.close();
  }
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join("; ");
  } finally {
    db.close();
  }
}

/**
 * Within one presence write batch the hub stores a user's state and the history entry of its
 * change together: in any consistent snapshot the newest history status of a user and field is
 * the stored state's status. A copy torn between two commits would break this.
 */
function historyMatchesStates(file: string): { checked: number; mismatches: string[] } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `select s.username, s.field, s.status as state, h.status as last
           from presence_states s
           join presence_history h on h.id = (select max(id) from presence_history where username = s.username and field = s.field)`,
      )
      .all() as { username: string; field: string; state: string; last: string }[];
    return { checked: rows.length, mismatches: rows.filter((r) => r.state !== r.last).map((r) => `${r.username}/${r.field}: state ${r.state}, history ${r.last}`) };
  } finally {
    db.close();
  }
}

/**
 * `presence-hub backup` and `restore` on the SQLite store. A hub process writes presence (a
 * feed pushing line states for 40 users every few milliseconds, notes written through the API)
 * while backups are taken; each backup is a consistent snapshot (integrity check, history and
 * states agree, history a prefix of the live one), restore refuses while the hub runs, and a
 * restore produces a store identical to the backup, table by table, on which the hub starts
 * with its migrations current. Corrupt and foreign files are refused without touching the
 * store; PostgreSQL is sent to pg_dump. Ports 26060-26079 (hub 26060, feed 26061).
 */
describe("Backup and restore of the SQLite store", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), "ph-backup-"));
  const configFile = path.join(dir, "presence-hub.yaml");
  const db = path.join(dir, "data", "presence-hub.sqlite");
  const cli = (args: string[], stdin?: string) => runCli([...args, "--config", configFile], { stdin, timeoutMs: 60_000 });
  let hub: { child: ChildProcess; url: string; output: () => string } | null = null;
  let token = "";

  before(async () => {
    writeFileSync(
      configFile,
      stringify({
        http: { port: 26060, host: "127.0.0.1" },
        log: { level: "warn", format: "json" },
        presence: { monitorAll: true },
        connectors: [{ id: "feed", type: "http-push", listen: "127.0.0.1:26061", token: PUSH_TOKEN, sourceClass: "cti", fields: ["telephony"] }],
        users: USERS,
      }),
    );
    expect((await cli(["migrate"])).code).to.equal(0);
    token = (await cli(["token", "create", "--role", "operator"])).stdout.trim();
  });
  after(async () => {
    if (hub) await stopChild(hub.child);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Pushes random line states for every user, and a note now and then, until stopped. */
  function startWriting(): { stop(): Promise<number> } {
    let running = true;
    let requests = 0;
    const loop = (async () => {
      while (running) {
        const updates = USERS.map((u) => ({ extension: u.firstExtension, telephony: { line: LINES[Math.floor(Math.random() * LINES.length)] } }));
        const res = await fetch("http://127.0.0.1:26061/presence", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${PUSH_TOKEN}` }, body: JSON.stringify({ updates }) });
        if (res.status !== 202) throw new Error(`push answered ${res.status}`);
        if (++requests % 10 === 0) {
          const user = USERS[requests % USERS.length]!.username;
          const note = await fetch(`${hub!.url}/api/v1/users/${user}/note`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ text: `note ${requests}` }) });
          if (note.status !== 200) throw new Error(`note answered ${note.status}`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return requests;
      },
    };
  }

  const historyMax = (file: string) => {
    const d = new Database(file, { readonly: true });
    try {
      return (d.prepare("select max(id) as id from presence_history").get() as { id: number }).id;
    } finally {
      d.close();
    }
  };

  it("takes consistent, integrity-checked backups while the hub writes, and refuses to restore under it", async () => {
    hub = await startCli(["--config", configFile]);
    const writer = startWriting();
    try {
      await waitFor("history growing", () => existsSync(db) && (historyMax(db) ?? 0) > 200, 20_000);
      const first = await cli(["backup", path.join(dir, "during-1.sqlite")]);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.match(/^backup written: .*during-1\.sqlite \(\d+ bytes, \d+ tables, \d+ migrations, integrity ok\)\n$/);
      expect(first.stderr).to.include("secret.key");
      await new Promise((r) => setTimeout(r, 300));
      const second = await cli(["backup", path.join(dir, "during-2.sqlite")]);
      expect(second.code, second.stderr).to.equal(0);
      const again = await cli(["backup", path.join(dir, "during-1.sqlite")]);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.include("already exists; choose a new name or pass --force");

      const refused = await cli(["restore", path.join(dir, "during-1.sqlite")]);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.match(/restore refused: a hub is running on .*presence-hub\.sqlite \(pid \d+/);
    } finally {
      const requests = await writer.stop();
      expect(requests).to.be.greaterThan(20);
    }
    expect(await stopChild(hub!.child)).to.equal(0);
    expect(hub!.output()).to.not.match(/"level":50/);
    hub = null;

    for (const name of ["during-1.sqlite", "during-2.sqlite"]) {
      const file = path.join(dir, name);
      expect(integrity(file), name).to.equal("ok");
      expect(existsSync(`${file}-wal`), `${name} is one file`).to.equal(false);
      const { checked, mismatches } = historyMatchesStates(file);
      expect(checked, name).to.be.at.least(USERS.length);
      expect(mismatches, name).to.deep.equal([]);
    }
    // Taken while the hub wrote: each backup's history is a prefix of the final one.
    const live = dump(db).tables.presence_history!;
    for (const name of ["during-1.sqlite", "during-2.sqlite"]) {
      const backup = dump(path.join(dir, name)).tables.presence_history!;
      expect(backup.length).to.be.greaterThan(0).and.below(live.length);
      expect(live.slice(0, backup.length)).to.deep.equal(backup);
    }
    expect(historyMatchesStates(db).mismatches).to.deep.equal([]);
  });

  it("restores a backup into an identical store, keeps the replaced one, and the hub starts on it", async () => {
    const backup = path.join(dir, "during-1.sqlite");
    const expected = dump(backup);
    const r = await cli(["restore", backup]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^restored .*presence-hub\.sqlite from .*during-1\.sqlite \(\d+ bytes, \d+ migrations, integrity ok\)\nthe replaced database is kept as .*presence-hub\.sqlite\.before-restore-[0-9TZ-]+\n$/);
    expect(integrity(db)).to.equal("ok");
    expect(dump(db)).to.deep.equal(expected);
    const kept = readdirSync(path.dirname(db)).filter((f) => f.includes(".before-restore-"));
    expect(kept).to.have.length(1);
    expect(integrity(path.join(path.dirname(db), kept[0]!))).to.equal("ok");

    hub = await startCli(["--config", configFile]);
    const ready = await fetch(`${hub.url}/api/v1/ready`);
    const body = (await ready.json()) as { status: string; migrations: { current: boolean } };
    expect(ready.status).to.equal(200);
    expect(body).to.deep.include({ status: "ready", migrations: { current: true, pending: [] } });
    const users = (await (await fetch(`${hub.url}/api/v1/users`, { headers: { authorization: `Bearer ${token}` } })).json()) as { users: unknown[] };
    expect(users.users).to.have.length(USERS.length);
    await stopChild(hub.child);
    hub = null;
  });

  it("round-trips a quiet store exactly: back up, change, restore, same tables", async () => {
    const before = dump(db);
    const backup = path.join(dir, "quiet.sqlite");
    expect((await cli(["backup", backup])).code).to.equal(0);
    writeFileSync(path.join(dir, "more.csv"), "username,displayName,firstExtension\nlate,Late Comer,2999\n");
    expect((await cli(["users", "import", path.join(dir, "more.csv")])).code).to.equal(0);
    expect(dump(db)).to.not.deep.equal(before);
    expect((await cli(["restore", backup])).code).to.equal(0);
    expect(dump(db)).to.deep.equal(before);
  });

  it("refuses a corrupt backup and a foreign database, leaving the store untouched", async () => {
    const before = dump(db);
    const corrupt = path.join(dir, "corrupt.sqlite");
    copyFileSync(path.join(dir, "quiet.sqlite"), corrupt);
    // Scribble over a page in the middle of the file (not the header: that would not even open).
    const fd = openSync(corrupt, "r+");
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 3 * 4096);
    closeSync(fd);
    const bad = await cli(["restore", corrupt]);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/restore failed: .*corrupt\.sqlite: (failed the integrity check|is not a readable SQLite database)/);

    const foreign = path.join(dir, "foreign.sqlite");
    const f = new Database(foreign);
    f.exec("create table t (x)");
    f.close();
    const other = await cli(["restore", foreign]);
    expect(other.code).to.equal(1);
    expect(other.stderr).to.include("is an SQLite database, but not a presence-hub store");

    const text = path.join(dir, "notes.txt");
    writeFileSync(text, "not a database at all\n".repeat(100));
    expect((await cli(["restore", text])).code).to.equal(1);
    expect(dump(db)).to.deep.equal(before);
    expect(readdirSync(path.dirname(db)).filter((f) => f.includes(".restoring-") || f.includes(".partial-"))).to.deep.equal([]);
  });

  it("sends PostgreSQL users to pg_dump and pg_restore without printing the connection URL", async () => {
    const pgConfig = path.join(dir, "pg.yaml");
    writeFileSync(pgConfig, stringify({ store: { client: "pg", connection: "postgres://hub:Pg-Secret-Xy12@db.invalid/presence", schema: "hub" } }));
    for (const verb of ["backup", "restore"]) {
      const r = await runCli([verb, path.join(dir, "x.dump"), "--config", pgConfig]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(verb === "backup" ? "pg_dump --format=custom --schema=hub" : "pg_restore");
      expect(r.stderr).to.not.include("Pg-Secret-Xy12");
    }
  });
});
