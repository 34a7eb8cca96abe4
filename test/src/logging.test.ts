import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { kamailioAvailable, startKamailio, type KamailioInstance } from "./support/kamailio.js";
import { runCli, startCli, stopChild } from "./support/run-cli.js";
import { waitFor } from "@presence-hub/core/testing";

/** Distinctive values, so a hit in the log is a leak and never a coincidence. */
const SECRETS = {
  sipPassword: "Sip-Pw-7Zq9kLmX3v",
  pushToken: "Push-Token-4Rt8wQe2Yu6Io0Pa",
  adminPassword: "Admin-Pw-9Hj3Kl5Zx7Cv",
  wrongToken: "Wrong-Token-1Qa2Ws3Ed4Rf5Tg",
} as const;

/**
 * No secret in any log line: a hub started from the CLI logs at `trace` as JSON while it runs a
 * SIP connector with digest credentials against a real Kamailio and an http-push connector with
 * a token, while admins log in with a password (right and wrong), use API tokens in headers
 * and in `?token=`, push presence, restart the connector; CLI commands run with their logging at
 * `trace` too. Every captured line — hub stdout and stderr, every command's stderr — is checked
 * for every secret, the generated token, the session cookie and the key file. The same run
 * shows the log's shape: JSON lines, request ids matching `X-Request-Id`, levels per component.
 * Ports 26020-26039 (Kamailio 26020, hub 26021, http-push 26022).
 */
describe("Logging: structured, per component, secrets never logged", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), "ph-logging-"));
  const configFile = path.join(dir, "presence-hub.yaml");
  const cliEnv = { PRESENCE_HUB_CLI_LOG: "trace" };
  const captured: { what: string; text: string }[] = [];
  let kam: KamailioInstance;
  let hub: { child: ChildProcess; url: string; output: () => string } | null = null;
  let apiToken = "";
  let sessionCookie = "";

  before(async function () {
    this.timeout(90_000);
    kamailioAvailable({ tls: false });
    kam = await startKamailio({ ports: { udp: 26020 }, tls: false, parentDir: dir, extraAccounts: [{ username: "loghub", password: SECRETS.sipPassword }] });
    writeFileSync(
      configFile,
      stringify({
        http: { port: 26021, host: "127.0.0.1" },
        // trace everywhere except the store (migrations are noisy and hold no secrets).
        log: { level: "trace", format: "json", components: { store: "warn" } },
        presence: { monitorAll: true },
        connectors: [
          { id: "kam", type: "sip-simple", server: "127.0.0.1:26020", uri: "loghub@127.0.0.1", authId: "loghub", password: SECRETS.sipPassword, domain: "127.0.0.1", t1Ms: 100 },
          { id: "feed", type: "http-push", listen: "127.0.0.1:26022", token: SECRETS.pushToken, sourceClass: "cti", fields: ["telephony"] },
        ],
        users: [{ username: "alice", displayName: "Alice", firstExtension: "1001", sipUri: "sip:alice@127.0.0.1" }],
      }),
    );
    const cli = async (args: string[], stdin?: string) => {
      const r = await runCli([...args, "--config", configFile], { stdin, env: cliEnv });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(0);
      captured.push({ what: `presence-hub ${args[0]} (stderr)`, text: r.stderr });
      return r;
    };
    await cli(["migrate"]);
    await cli(["admin", "add", "admin", "--password-stdin"], SECRETS.adminPassword + "\n");
    apiToken = (await cli(["token", "create", "--role", "admin", "--label", "logging test"])).stdout.trim();
    expect(apiToken.length).to.be.greaterThan(20);
    hub = await startCli(["--config", configFile], { PRESENCE_HUB_CLI_LOG: "trace" });
  });

  after(async () => {
    if (hub) await stopChild(hub.child);
    await kam?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (p: string, init: RequestInit = {}) => fetch(`${hub!.url}${p}`, init);

  it("runs a hub through logins, tokens, pushes and SIP digest authentication", async () => {
    const wrong = await api("/api/v1/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: `${SECRETS.adminPassword}-typo` }) });
    expect(wrong.status).to.equal(401);
    const login = await api("/api/v1/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: SECRETS.adminPassword }) });
    expect(login.status).to.equal(200);
    sessionCookie = /ph_session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    expect((await api("/api/v1/services", { headers: { cookie: `ph_session=${sessionCookie}` } })).status).to.equal(200);
    expect((await api(`/api/v1/services?token=${apiToken}`)).status).to.equal(200);
    expect((await api("/api/v1/services", { headers: { authorization: `Bearer ${apiToken}` } })).status).to.equal(200);
    expect((await api(`/api/v1/users/alice?token=${SECRETS.wrongToken}`)).status).to.equal(401);
    expect((await api("/api/v1/users/alice", { headers: { authorization: `Bearer ${SECRETS.wrongToken}` } })).status).to.equal(401);
    expect((await api(`/metrics?token=${apiToken}`)).status).to.equal(200);

    const push = (token: string) =>
      fetch("http://127.0.0.1:26022/presence", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ extension: "1001", telephony: { line: "busy" } }) });
    expect((await push(SECRETS.pushToken)).status).to.equal(202);
    expect((await push(SECRETS.wrongToken)).status).to.equal(401);

    const connector = async () => ((await (await api("/api/v1/connectors", { headers: { authorization: `Bearer ${apiToken}` } })).json()) as { connectors: { id: string; health: { status: string } }[] }).connectors.find((c) => c.id === "kam")!;
    await waitFor("kam up-and-running (digest accepted)", async () => (await connector()).health.status === "up-and-running", 20_000);
    const restart = await api("/api/v1/services/connector:kam/restart", { method: "POST", headers: { cookie: `ph_session=${sessionCookie}`, "x-csrf-token": csrfToken } });
    expect(restart.status, await restart.clone().text()).to.equal(200);
    await waitFor("kam up again", async () => (await connector()).health.status === "up-and-running", 20_000);
    expect((await api("/api/v1/session", { method: "DELETE", headers: { cookie: `ph_session=${sessionCookie}`, "x-csrf-token": csrfToken } })).status).to.equal(204);
  });

  it("writes JSON lines with levels, components and request ids that match X-Request-Id", async () => {
    const res = await api("/api/v1/health");
    const id = res.headers.get("x-request-id");
    expect(id).to.be.a("string").and.not.equal("");
    const line = await waitFor("the health request logged", () => hubLines().find((l) => l.req === id && l.msg === "request"));
    expect(line!).to.include({ method: "GET", path: "/api/v1/health", status: 200, component: "http" });
    expect(line!.level).to.equal(20); // health checks at debug: probes every few seconds must not flood the log
    const denied = hubLines().find((l) => l.msg === "request" && l.status === 401);
    expect(denied, "a 401 logged").to.not.equal(undefined);
    expect(denied!.level).to.equal(30);
    // The connector logs under its plugin and its own id (so `log.components` can reach it),
    // its settings with the secret ones replaced.
    const starting = hubLines().find((l) => l.plugin === "sip-simple" && l.connector === "kam" && l.msg === "connector starting");
    expect(starting, "the connector's start logged at debug").to.not.equal(undefined);
    expect(starting!.level).to.equal(20);
    expect(starting!.settings).to.include({ server: "127.0.0.1:26020", authId: "[redacted]", password: "[redacted]" });
    expect(hubLines().some((l) => l.connector === "kam" && l.msg === "subscription accepted")).to.equal(true);
    // store: warn silences the store's info lines while the rest logs at trace.
    expect(hubLines().some((l) => l.component === "store" && (l.level as number) < 40)).to.equal(false);
  });

  it("never writes a secret, a token, the session cookie or the key into any log line", async () => {
    await stopChild(hub!.child);
    captured.push({ what: "hub stdout and stderr", text: hub!.output() });
    hub = null;
    const restore = await runCli(["restore", path.join(dir, "missing.sqlite"), "--config", configFile], { env: cliEnv });
    captured.push({ what: "presence-hub restore (stderr)", text: restore.stderr });
    const key = readFileSync(path.join(dir, "data", "secret.key"), "utf8").trim();
    const forbidden: Record<string, string> = { ...SECRETS, apiToken, sessionCookie, key, keyPrefix: key.slice(0, 16) };
    let lines = 0;
    for (const { what, text } of captured) {
      for (const line of text.split("\n")) {
        if (!line) continue;
        lines++;
        for (const [name, secret] of Object.entries(forbidden)) {
          expect(secret.length, name).to.be.greaterThan(8);
          if (line.includes(secret)) expect.fail(`${name} found in ${what}: ${line.slice(0, 300)}`);
        }
      }
    }
    // The check means something only if the exercised paths were logged, secrets' neighbours included.
    expect(lines).to.be.greaterThan(20);
    const all = captured.map((c) => c.text).join("\n");
    expect(all).to.include("[redacted]");
    expect(all).to.match(/"path":"\/api\/v1\/services".*"msg":"request"/);
  });

  /** The hub's JSON log lines (stdout), parsed; anything else on stdout is the start banner. */
  function hubLines(): Record<string, unknown>[] {
    return hub!
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
});
