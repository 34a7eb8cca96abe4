import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../errors/config-error.js";
import { loadConfig } from "./load-config.js";

function write(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ph-config-"));
  const file = path.join(dir, "hub.yaml");
  writeFileSync(file, text);
  return file;
}

function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(write(text), env);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("accepts the DESIGN §4 example and resolves relative paths against the file's folder", () => {
    const file = write(`
http: { port: 8080 }
store: { client: sqlite3, filename: data/presence-hub.sqlite }
presence: { preferredServer: pbx-main, monitorAll: false }
telephony: { voicemailPilot: "8000" }
connectors:
  - { id: pbx-main, type: sip-simple, enabled: true, server: "192.0.2.10:5060",
      protocol: udp, uri: "hub@192.0.2.10", authId: hub, password: secret, domain: 192.0.2.10 }
users:
  - { username: alice, displayName: Alice Example, firstExtension: "1001",
      sipUri: "sip:alice@192.0.2.10", voicemailNumber: "8001" }
`);
    const loaded = loadConfig(file, {});
    expect(loaded.config.store.filename).to.equal(path.join(path.dirname(file), "data/presence-hub.sqlite"));
    expect(loaded.keyFile).to.equal(path.join(path.dirname(file), "data/secret.key"));
    expect(loaded.config.connectors[0]).to.include({ id: "pbx-main", server: "192.0.2.10:5060" });
    expect(loaded.config.http.host).to.equal("0.0.0.0");
  });

  it("runs on defaults without a file", () => {
    const loaded = loadConfig(undefined, {}, "/tmp");
    expect(loaded.file).to.equal(null);
    expect(loaded.config.store.filename).to.equal("/tmp/data/presence-hub.sqlite");
    expect(loaded.config.http.port).to.equal(8080);
  });

  it("names every bad key", () => {
    const issues = issuesOf(`
http: { port: "eighty", extra: 1 }
telephony: { voicemailPilot: "80 00" }
connectors:
  - { id: "Bad Id", type: sip-simple }
users:
  - { username: alice, firstExtension: 1001x }
unknownTop: 1
`);
    expect(issues).to.include.members([
      "http.port: must be a whole number, got string \"eighty\"",
      "unknownTop: unknown key (allowed: http, dataDir, store, secrets, log, metrics, plugins, pluginOptions, presence, telephony, cluster, connectors, users)",
    ]);
    expect(issues.some((i) => i.startsWith("http.extra: unknown key"))).to.equal(true);
    expect(issues.some((i) => i.startsWith("telephony.voicemailPilot: must be"))).to.equal(true);
    expect(issues.some((i) => i.startsWith("connectors[0].id: must be a short id"))).to.equal(true);
    expect(issues.some((i) => i.startsWith("users[0].firstExtension:"))).to.equal(true);
  });

  it("reports YAML syntax errors with line and column", () => {
    const issues = issuesOf("http:\n  port: [1, 2\n");
    expect(issues[0]).to.match(/^line \d+, column \d+: /);
  });

  it("refuses alias bombs instead of expanding them", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 12; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
    const started = Date.now();
    expect(() => loadConfig(write(lines.join("\n")), {})).to.throw(ConfigError);
    expect(Date.now() - started).to.be.below(2000);
  });

  it("refuses deeply nested and oversized files at once, before the YAML library spends seconds on them (found by the robustness fuzzer)", () => {
    for (const text of [`a: ${"[".repeat(500_000)}${"]".repeat(500_000)}`, `a: ${"{a: ".repeat(100_000)}${"}".repeat(100_000)}`, `a: "${"x".repeat(2 * 1024 * 1024)}"`]) {
      const started = performance.now();
      const issues = issuesOf(text);
      expect(performance.now() - started).to.be.below(1000);
      expect(issues.join()).to.match(/nested deeper than 64|larger than 1024 KiB/);
    }
    // Brackets inside quoted scalars are text, not nesting.
    expect(() => loadConfig(write(`http: { port: 0 }\ntelephony: { voicemailPilot: "8000" }\nlog: { level: info }\nusers: [{ username: alice, displayName: "${"[".repeat(200)}" }]\n`), {})).to.not.throw();
  });

  it("requires a connection URL for PostgreSQL and rejects one for SQLite", () => {
    expect(issuesOf("store: { client: pg }")).to.deep.equal(["store.connection: is required when store.client is pg"]);
    expect(issuesOf("store: { client: sqlite3, connection: 'postgres://x' }")[0]).to.match(/^store.connection: is for PostgreSQL/);
  });

  it("applies PRESENCE_HUB__ overrides with typed values, and PRESENCE_HUB_CONFIG", () => {
    const file = write("http: { port: 8080 }\n");
    const loaded = loadConfig(undefined, { PRESENCE_HUB_CONFIG: file, PRESENCE_HUB__HTTP__PORT: "9090", PRESENCE_HUB__PRESENCE__MONITOR_ALL: "true" });
    expect(loaded.file).to.equal(file);
    expect(loaded.config.http.port).to.equal(9090);
    expect(loaded.config.presence.monitorAll).to.equal(true);
  });

  it("says which file it cannot read", () => {
    expect(() => loadConfig("/nonexistent/hub.yaml", {})).to.throw(ConfigError, /cannot read config file \/nonexistent\/hub.yaml/);
  });

  it("resolves TLS files against the config's folder and checks the redirect port", () => {
    const file = write("http: { port: 8443, tls: { cert: tls/cert.pem, key: /etc/hub/key.pem }, redirectHttpPort: 8080 }\n");
    const loaded = loadConfig(file, {});
    expect(loaded.config.http.tls).to.deep.equal({ cert: path.join(path.dirname(file), "tls/cert.pem"), key: "/etc/hub/key.pem", hstsMaxAgeSeconds: 15_552_000 });
    expect(issuesOf("http: { redirectHttpPort: 8080 }")).to.deep.equal(["http.redirectHttpPort: redirects to HTTPS, so it needs http.tls (cert and key)"]);
    expect(issuesOf("http: { port: 8443, tls: { cert: c, key: k }, redirectHttpPort: 8443 }")).to.deep.equal(["http.redirectHttpPort: must differ from http.port"]);
  });

  it("validates log levels per component and metrics addresses, naming the key", () => {
    const loaded = loadConfig(write("log: { level: warn, format: json, components: { sip-simple: debug, pbx-main: trace } }\n"), {});
    expect(loaded.config.log).to.deep.equal({ level: "warn", format: "json", components: { "sip-simple": "debug", "pbx-main": "trace" } });
    expect(issuesOf("log: { components: { http: loud } }")[0]).to.match(/^log\.components\.http: /);
    expect(issuesOf("metrics: { allowFrom: [10.0.0.0/8, 300.1.1.1] }")).to.deep.equal(['metrics.allowFrom[1]: "300.1.1.1" is not an IP address or CIDR block (e.g. 10.0.0.0/8, ::1)']);
  });

  it("accepts the service example in deploy/ (kept in step with the schema)", () => {
    const loaded = loadConfig(fileURLToPath(new URL("../../../deploy/presence-hub.yaml", import.meta.url)), {});
    expect(loaded.keyFile).to.equal("/var/lib/presence-hub/secret.key");
    expect(loaded.config.http.redirectHttpPort).to.equal(8080);
  });

  it("rejects a file that is not a mapping", () => {
    expect(issuesOf("- just\n- a list\n")[0]).to.match(/YAML mapping/);
  });
});
