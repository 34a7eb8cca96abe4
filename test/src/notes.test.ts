import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ManualClock, startTestHub, type TestHub } from "@presence-hub/core/testing";
import { runCli, startCli, stopChild } from "./support/run-cli.js";
import { StreamClient } from "./support/stream-client.js";

interface NoteBody {
  text: string;
  author: string;
  version: number;
  visibleTo: string;
  validUntil: number | null;
}

/** Operators' shared notes: API, live on every console, versions, expiry, audit, hostile input, crash safety. */
describe("Notes", function () {
  this.timeout(30_000);
  const clock = new ManualClock(Date.now());
  let hub: TestHub;
  let op1: string;
  let op2: string;
  let admin: string;

  before(async () => {
    hub = await startTestHub({
      clock,
      config: { users: [{ username: "alice", displayName: "Alice" }, { username: "bob", displayName: "Bob" }], pluginOptions: { "console-api": { flushMs: 10 } } },
    });
    op1 = await hub.token("operator");
    op2 = await hub.token("operator");
    admin = await hub.token("admin");
  });
  after(() => hub?.stop());

  const putNote = (user: string, body: unknown, token = op1) =>
    fetch(`${hub.url}/api/v1/users/${user}/note`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const noteOf = async (user: string, token = op1) => ((await (await fetch(`${hub.url}/api/v1/users/${user}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { note: NoteBody | null }).note;

  it("creates, edits and clears a note, shown on the user's representation", async () => {
    const created = await putNote("alice", { text: "Out of office until Monday" });
    expect(created.status).to.equal(200);
    expect(await created.json()).to.include({ text: "Out of office until Monday", author: "test-operator", version: 1, visibleTo: "everyone", validUntil: null });
    expect((await noteOf("alice"))!.text).to.equal("Out of office until Monday");
    expect((await (await putNote("alice", { text: "  Back on Tuesday  " })).json()) as NoteBody).to.include({ text: "Back on Tuesday", version: 2 });
    const del = await fetch(`${hub.url}/api/v1/users/alice/note`, { method: "DELETE", headers: { authorization: `Bearer ${op1}` } });
    expect(del.status).to.equal(204);
    expect(await noteOf("alice")).to.equal(null);
  });

  it("tells the second of two concurrent editors that someone else changed the note", async () => {
    await putNote("bob", { text: "Start" });
    const base = ((await noteOf("bob")) as NoteBody).version;
    const [first, second] = await Promise.all([putNote("bob", { text: "First edit", version: base }, op1), putNote("bob", { text: "Second edit", version: base }, op2)]);
    expect([first.status, second.status].sort()).to.deep.equal([200, 409]);
    const loser = first.status === 409 ? first : second;
    expect(((await loser.json()) as { message: string }).message).to.match(/someone else changed this note by test-operator at .* \(now version \d+\); reload it and edit again/);
    expect((await putNote("bob", { text: "Without a version: last write wins" })).status).to.equal(200);
  });

  it("expires a note by itself at its validUntil (controllable clock), audited", async () => {
    const c = await StreamClient.connect(hub.url, { token: op1 });
    c.send({ watch: ["alice"] });
    await c.waitFor("snapshot", (m) => m.type === "snapshot");
    expect((await putNote("alice", { text: "In a meeting", validUntil: clock.now() + 3_600_000 })).status).to.equal(200);
    clock.advance(3_599_000);
    expect((await noteOf("alice"))!.text).to.equal("In a meeting");
    clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(await noteOf("alice")).to.equal(null);
    clock.advance(20); // the stream's coalescing window runs on the same clock
    await c.waitFor("note gone on the console", (m) => m.type === "delta" && m.users!.some((u) => u.username === "alice" && u.note === null));
    await c.close();
    const audit = (await (await fetch(`${hub.url}/api/v1/notes/audit?username=alice`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { entries: { action: string; actor: string; before: NoteBody | null; after: NoteBody | null }[] };
    expect(audit.entries.map((e) => e.action)).to.deep.equal(["expired", "set", "cleared", "set", "set"]);
    expect(audit.entries[0]).to.deep.include({ actor: "hub", after: null });
    expect(audit.entries[0]!.before!.text).to.equal("In a meeting");
    expect(audit.entries[3]!.before!.text).to.equal("Out of office until Monday");
  });

  it("lets only admins read the audit trail and see admin-only notes", async () => {
    expect((await fetch(`${hub.url}/api/v1/notes/audit`, { headers: { authorization: `Bearer ${op1}` } })).status).to.equal(403);
    await putNote("alice", { text: "Salary talk at 3", visibleTo: "admins" }, admin);
    expect(await noteOf("alice", op1)).to.equal(null);
    expect((await noteOf("alice", admin))!.text).to.equal("Salary talk at 3");
  });

  it("refuses bad input with a 400 naming the field, and stores markup as plain text", async () => {
    for (const [body, field] of [
      [{ text: "x".repeat(2001) }, "text"],
      [{ text: "bell\u0007" }, "text"],
      [{ text: "rtl \u202e override" }, "text"],
      [{ text: "   " }, "text"],
      [{ text: "ok", validUntil: 1 }, "validUntil"],
      [{ text: "ok", colour: "red" }, "colour"],
    ] as const) {
      const res = await putNote("bob", body);
      expect(res.status, JSON.stringify(body).slice(0, 40)).to.equal(400);
      expect(((await res.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).to.include(field);
    }
    expect((await putNote("nobody", { text: "hi" })).status).to.equal(404);
    const xss = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    expect((await putNote("bob", { text: xss })).status).to.equal(200);
    expect((await noteOf("bob"))!.text).to.equal(xss);
  });

  it("removes the note with its user", async () => {
    await hub.app.hub.removeUser("bob");
    await new Promise((r) => setTimeout(r, 50));
    const audit = (await (await fetch(`${hub.url}/api/v1/notes/audit?username=bob&limit=1`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { entries: { action: string }[] };
    expect(audit.entries[0]!.action).to.equal("user-removed");
  });
});

describe("Notes in real time (real clock)", function () {
  this.timeout(30_000);
  let hub: TestHub;
  let op1: string;
  let op2: string;
  before(async () => {
    hub = await startTestHub({ config: { users: [{ username: "bob", displayName: "Bob" }], pluginOptions: { "console-api": { flushMs: 10 } } } });
    op1 = await hub.token("operator");
    op2 = await hub.token("operator");
  });
  after(() => hub?.stop());

  it("pushes an edit from one console to another within 100 ms", async () => {
    const a = await StreamClient.connect(hub.url, { token: op1 });
    const b = await StreamClient.connect(hub.url, { token: op2 });
    a.send({ watch: ["bob"] });
    b.send({ watch: ["bob"] });
    await a.waitFor("snapshot", (m) => m.type === "snapshot");
    await b.waitFor("snapshot", (m) => m.type === "snapshot");
    const started = performance.now();
    const res = await fetch(`${hub.url}/api/v1/users/bob/note`, { method: "PUT", headers: { authorization: `Bearer ${op1}`, "content-type": "application/json" }, body: JSON.stringify({ text: "At the dentist, back 11:00" }) });
    expect(res.status).to.equal(200);
    await b.waitFor("bob's note", (m) => m.type === "delta" && m.users!.some((u) => (u.note as NoteBody | null)?.text === "At the dentist, back 11:00"), 1000);
    expect(performance.now() - started).to.be.below(100);
    await a.waitFor("bob's note on the writer's console too", (m) => m.type === "delta" && m.users!.some((u) => (u.note as NoteBody | null)?.text === "At the dentist, back 11:00"), 1000);
    await a.close();
    await b.close();
  });

});

describe("Notes and a crash", function () {
  this.timeout(60_000);
  it("keeps a note acknowledged just before kill -9", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ph-notes-crash-"));
    const config = path.join(dir, "hub.yaml");
    writeFileSync(config, 'http: { port: 0, host: 127.0.0.1 }\nusers:\n  - { username: alice, displayName: Alice }\n');
    const token = (await runCli(["token", "create", "--role", "operator", "--config", config])).stdout.trim();
    const first = await startCli(["--config", config]);
    const res = await fetch(`${first.url}/api/v1/users/alice/note`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ text: "Written right before the crash" }) });
    expect(res.status).to.equal(200);
    first.child.kill("SIGKILL");
    await stopChild(first.child);
    const second = await startCli(["--config", config]);
    try {
      const user = (await (await fetch(`${second.url}/api/v1/users/alice`, { headers: { authorization: `Bearer ${token}` } })).json()) as { note: NoteBody | null };
      expect(user.note!.text).to.equal("Written right before the crash");
    } finally {
      await stopChild(second.child);
    }
  });
});
