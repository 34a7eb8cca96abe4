import { expect } from "chai";
import { mkdtempSync, writeFileSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli, startCli, stopChild } from "./support/run-cli.js";

/** The public CLI contract (DESIGN §4), run as a user would: a real process per command. */
describe("presence-hub CLI", function () {
  this.timeout(60_000);
  let dir: string;
  let config: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ph-cli-"));
    config = path.join(dir, "hub.yaml");
    writeFileSync(
      config,
      [
        "http: { port: 0, host: 127.0.0.1 }",
        "store: { client: sqlite3, filename: data/hub.sqlite }",
        "telephony: { voicemailPilot: \"8000\" }",
        "connectors:",
        "  - { id: push, type: http-push, listen: \"127.0.0.1:0\", token: \"a-long-enough-token-123\" }",
        "users:",
        "  - { username: alice, displayName: Alice Example, firstExtension: \"1001\", sipUri: \"sip:alice@192.0.2.10\", voicemailNumber: \"8001\" }",
      ].join("\n"),
    );
  });

  it("migrate creates the store next to the config file and reports the schema", async () => {
    const r = await runCli(["migrate", "--config", config]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/schema is current: \d+ migrations applied/);
    expect(statSync(path.join(dir, "data/hub.sqlite")).isFile()).to.equal(true);
    expect(statSync(path.join(dir, "data/secret.key")).mode & 0o777).to.equal(0o600);
  });

  it("token create prints the token alone; admin add reads the password from stdin", async () => {
    const t = await runCli(["token", "create", "--role", "operator", "--config", config]);
    expect(t.code, t.stderr).to.equal(0);
    expect(t.stdout).to.match(/^phub_[A-Za-z0-9_-]{43}\n$/);
    const a = await runCli(["admin", "add", "root", "--password-stdin", "--config", config], { stdin: "a-very-secret-pass\n" });
    expect(a.code, a.stderr).to.equal(0);
    const short = await runCli(["admin", "add", "root2", "--password-stdin", "--config", config], { stdin: "short\n" });
    expect(short.code).to.equal(2);
    expect(short.stderr).to.match(/password: must be at least 10 characters/);
    const badRole = await runCli(["token", "create", "--role", "king", "--config", config]);
    expect(badRole.code).to.not.equal(0);
    expect(badRole.stderr).to.match(/Allowed choices are admin, operator/);
  });

  it("users import reports bad rows with their line and imports the good ones", async () => {
    const first = path.join(dir, "first.csv");
    writeFileSync(first, "username,displayName,firstExtension\nbob,Bob,1002\n");
    expect((await runCli(["users", "import", first, "--config", config])).stdout).to.match(/created 1, updated 0, unchanged 0, rejected 0/);
    const csv = path.join(dir, "users.csv");
    writeFileSync(csv, "username,displayName,firstExtension,sipUri,voicemailNumber\nbob,Bob B.,1002,,8002\ncarol,Carol,1002,,\nbad name,X,1003,,\ndave,Dave,1004,dave@192.0.2.10,\n");
    const r = await runCli(["users", "import", csv, "--config", config]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/created 1, updated 1, unchanged 0, rejected 2/);
    expect(r.stderr).to.contain(`${csv}:3: carol: firstExtension "1002" repeats line 2`);
    expect(r.stderr).to.contain(`${csv}:4: bad name: username must be`);
  });

  it("a config user clashing with a user already in the store stops the start, naming the key", async () => {
    const clash = path.join(dir, "clash.yaml");
    writeFileSync(clash, readFileSync(config, "utf8").replace('firstExtension: "1001"', 'firstExtension: "1004"'));
    const r = await runCli(["start", "--config", clash]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('users[0].firstExtension: "1004" is already used by another user in the store');
  });

  it("start runs the hub on SQLite with the config from PRESENCE_HUB_CONFIG; health answers; SIGTERM stops it cleanly", async () => {
    const hub = await startCli([], { PRESENCE_HUB_CONFIG: config });
    try {
      const res = await fetch(`${hub.url}/api/v1/health`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.include({ status: "ok", hub: "running" });
      const token = (await runCli(["token", "create", "--role", "admin", "--config", config])).stdout.trim();
      const services = await fetch(`${hub.url}/api/v1/services`, { headers: { authorization: `Bearer ${token}` } });
      const ids = ((await services.json()) as { services: { id: string; state: string }[] }).services.map((s) => `${s.id}=${s.state}`);
      expect(ids).to.include.members(["hub=running", "connector:push=running"]);
      const restarted = await runCli(["services", "restart", "connector:push", "--url", hub.url, "--token", token]);
      expect(restarted.code, restarted.stderr).to.equal(0);
      expect(restarted.stdout).to.equal("connector:push\trunning\n");
      const listed = await runCli(["services", "--url", hub.url], { env: { PRESENCE_HUB_TOKEN: token } });
      expect(listed.stdout).to.match(/^hub\trunning$/m);
      const bad = await runCli(["services", "stop", "connector:nope", "--url", hub.url, "--token", token]);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.contain('404: service "connector:nope" not found');
    } finally {
      expect(await stopChild(hub.child)).to.equal(0);
    }
    expect(hub.output()).to.not.contain("a-long-enough-token-123");
  });

  it("a bad config exits 2, names every bad key, and starts nothing", async () => {
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(bad, "http: { port: 99999 }\nstore: { client: oracle }\nconnectors:\n  - { id: p, type: http-push, listen: nowhere }\n");
    const r = await runCli(["start", "--config", bad]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("http.port: must be <= 65535");
    expect(r.stderr).to.contain("store.client: must be one of");
    expect(r.stdout).to.not.contain("listening");
  });

  it("an unknown connector type or plugin exits 2 with a message that says what to fix", async () => {
    const bad = path.join(dir, "bad2.yaml");
    writeFileSync(bad, "http: { port: 0 }\nplugins: ['@presence-hub/plugin-nope']\n");
    const r = await runCli(["start", "--config", bad]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/plugin @presence-hub\/plugin-nope: cannot find the package .* install it or fix the name in `plugins`/);
    const missing = await runCli(["start", "--config", path.join(dir, "missing.yaml")]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain("cannot read config file");
  });

  it("the store never holds the connector token in clear text", () => {
    expect(readFileSync(path.join(dir, "data/hub.sqlite")).includes("a-long-enough-token-123")).to.equal(false);
  });
});
