import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import WebSocket from "ws";
import { ConfigError, importUsersCsv, loadConfig, type User } from "@presence-hub/core";
import { startTestHub, waitFor, type TestHub } from "@presence-hub/core/testing";
import { PUSH_TOKEN, pushConnector, pushUrl } from "../support/http-push-client.js";
import { fuzzAsync, fuzzParser, junkText, mutated, runs, type Verdict } from "./fuzz.js";
import { recordFault } from "./report.js";

/**
 * Property-based fuzzing of what admins, scripts and other systems hand the hub: the CSV user
 * import, the YAML config file (and its environment overrides), and the JSON payloads of every
 * HTTP route that takes one, on a real hub. Properties: valid inputs round-trip, bad ones are
 * refused with a ConfigError / 4xx naming the problem, and nothing ever answers 5xx or crashes.
 */
describe("Robustness: fuzzing CSV import, config and API payloads", function () {
  this.timeout(300_000);

  const username = fc.stringMatching(/^[a-z0-9][a-z0-9._@-]{0,15}$/);
  const extension = fc.stringMatching(/^\+?[0-9]{2,8}$/);
  const userRow = fc.record({
    username,
    displayName: fc.string({ maxLength: 30, unit: fc.constantFrom(...Array.from("Ann Bob-O'Neil, \"Q\" é😀")) }).map((s) => s.trim()),
    firstExtension: fc.option(extension, { nil: "" }),
    sipUri: fc.option(fc.tuple(username.map((u) => u.replace(/@/g, ".")), fc.constantFrom("pbx.example", "192.0.2.10")).map(([u, h]) => `sip:${u}@${h}`), { nil: "" }),
    voicemailNumber: fc.option(extension, { nil: "" }),
  });

  /** One CSV cell, quoted when needed (or always, at random), the way spreadsheet programs write them. */
  const cell = (v: string, quoteAll: boolean) => (quoteAll || /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v);

  const csvFile = fc
    .record({
      users: fc.uniqueArray(userRow, { maxLength: 8, selector: (u) => u.username }),
      header: fc.shuffledSubarray(["username", "displayName", "firstExtension", "sipUri", "voicemailNumber"] as const, { minLength: 5, maxLength: 5 }),
      names: fc.constantFrom({ username: "Username", displayName: "Display Name", firstExtension: "first_extension", sipUri: "SIP-URI", voicemailNumber: "vm" }, { username: "user", displayName: "name", firstExtension: "ext", sipUri: "sip", voicemailNumber: "voicemail" }),
      quoteAll: fc.boolean(),
      eol: fc.constantFrom("\n", "\r\n"),
      bom: fc.boolean(),
    })
    .map(({ users, header, names, quoteAll, eol, bom }) => {
      // Extensions and SIP URIs must be unique across rows, or the import (rightly) refuses repeats.
      const seen = new Set<string>();
      const unique = users.map((u) => {
        const out = { ...u };
        for (const k of ["firstExtension", "sipUri"] as const) {
          if (out[k] && seen.has(`${k}:${out[k]}`)) out[k] = "";
          if (out[k]) seen.add(`${k}:${out[k]}`);
        }
        return out;
      });
      const lines = [header.map((h) => cell(names[h], quoteAll)).join(","), ...unique.map((u) => header.map((h) => cell(u[h], quoteAll)).join(","))];
      return { text: (bom ? "\ufeff" : "") + lines.join(eol) + eol, users: unique };
    });

  async function csvVerdict(text: string | Buffer): Promise<{ verdict: Verdict; saved: User[]; errors: readonly { line: number; reason: string }[] }> {
    const saved: User[] = [];
    try {
      const report = await importUsersCsv(text, async (u) => {
        saved.push(u);
        return "created";
      });
      for (const e of report.errors) {
        expect(e.line).to.be.greaterThan(1);
        expect(e.reason.length).to.be.greaterThan(0);
      }
      return { verdict: report.errors.length ? "rejected" : "accepted", saved, errors: report.errors };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      expect(e.issues.length).to.be.greaterThan(0);
      return { verdict: "rejected", saved, errors: [] };
    }
  }

  it("CSV import: spreadsheet-style files with any column order, header spelling, quoting, BOM and line ends import exactly their rows", async () => {
    await fuzzAsync("csv import round trip", csvFile, async ({ text, users }) => {
      const r = await csvVerdict(text);
      expect(r.errors).to.deep.equal([]);
      expect(r.saved.map((u) => [u.username, u.displayName, u.firstExtension, u.sipUri, u.voicemailNumber])).to.deep.equal(
        users.map((u) => [u.username, u.displayName.trim() || u.username, u.firstExtension || null, u.sipUri || null, u.voicemailNumber || null]),
      );
      return "accepted";
    });
  });

  it("CSV import: mutated and random files import good rows and report bad ones by line, never throwing anything but ConfigError", async () => {
    await fuzzAsync("csv import (mutated)", fc.oneof(mutated(csvFile.map((f) => f.text)), junkText), async (text) => (await csvVerdict(text)).verdict, { boundMs: 500 });
  });

  describe("config file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ph-fuzz-config-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    let n = 0;

    /** Loads `text` as a config file (and `env` overrides): a config, or a ConfigError naming keys. */
    function configVerdict(text: string, env: NodeJS.ProcessEnv = {}): Verdict {
      const file = path.join(dir, `c${n++ % 8}.yaml`);
      writeFileSync(file, text);
      try {
        loadConfig(file, env, dir);
        return "accepted";
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        expect(e.issues.length).to.be.greaterThan(0);
        for (const i of e.issues) expect(i.message.length, JSON.stringify(i)).to.be.greaterThan(0);
        return "rejected";
      }
    }

    const validConfig = fc.record({
      http: fc.record({ port: fc.integer({ min: 0, max: 65535 }), host: fc.constantFrom("127.0.0.1", "0.0.0.0", "::1") }),
      presence: fc.record({ monitorAll: fc.boolean(), preferredServer: fc.constantFrom("pbx-main", "kam") }),
      telephony: fc.record({ voicemailPilot: extension }),
      log: fc.record({ level: fc.constantFrom("info", "debug", "silent", "warn") }),
      connectors: fc.array(fc.record({ id: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), type: fc.constantFrom("sip-simple", "tapi", "http-push"), enabled: fc.boolean() }), { maxLength: 3 }),
      users: fc.uniqueArray(userRow.map((u) => ({ username: u.username, displayName: u.displayName || u.username })), { maxLength: 4, selector: (u) => u.username }),
    });

    it("valid files load back to what they say", () => {
      fuzzParser("config file round trip", validConfig, (c) => {
        const file = path.join(dir, "valid.yaml");
        writeFileSync(file, stringify(c));
        const loaded = loadConfig(file, {}, dir).config;
        expect(loaded.http).to.include(c.http);
        expect(loaded.presence).to.include(c.presence);
        expect(loaded.telephony.voicemailPilot).to.equal(c.telephony.voicemailPilot);
        expect(loaded.connectors.map((x) => x.id)).to.deep.equal(c.connectors.map((x) => x.id));
        expect(loaded.users.map((u) => u.username)).to.deep.equal(c.users.map((u) => u.username));
        return "accepted";
      }, { numRuns: runs(0.25) });
    });

    it("mutated, random and hostile YAML (alias bombs, deep nesting, tags, duplicate keys) is refused with a ConfigError naming the place", () => {
      const hostile = fc.constantFrom(
        `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
        "a: ".concat("[".repeat(5000), "]".repeat(5000)),
        "http: !!js/function 'function(){ return 1 }'\n",
        "http: { port: 1 }\nhttp: { port: 2 }\n",
        "<<: *missing\n",
        "store: !!binary aGVsbG8=\n",
        "users: [{username: alice}, {username: alice}]\n",
        "http: { port: 99999 }\n",
        "connectors: [{ id: x, type: sip-simple, server: 'a' }]\n",
        `${"k".repeat(100000)}: 1\n`,
        "\u0000\u0001: \ud800\n",
      );
      fuzzParser("config file (mutated, hostile)", fc.oneof(mutated(validConfig.map((c) => stringify(c))), junkText, hostile), (text) => configVerdict(text), { numRuns: runs(0.5) });
    });

    it("environment overrides with junk values are refused the same way", () => {
      const env = fc.dictionary(
        fc.constantFrom("PRESENCE_HUB__HTTP__PORT", "PRESENCE_HUB__PRESENCE__MONITOR_ALL", "PRESENCE_HUB__STORE__CLIENT", "PRESENCE_HUB__LOG__LEVEL", "PRESENCE_HUB__METRICS__ALLOW_FROM", "PRESENCE_HUB__CONNECTORS", "PRESENCE_HUB____", "PRESENCE_HUB__A__B__C__D"),
        fc.oneof(junkText, fc.constantFrom("8080", "true", "[10.0.0.0/8]", "sqlite3", "{}", "[]", "&a [*a]", "~")),
      );
      fuzzParser("config env overrides", env, (e) => configVerdict("http: { port: 0 }\n", e), { numRuns: runs(0.25) });
    });
  });

  describe("HTTP API payloads on a running hub", () => {
    let hub: TestHub;
    let admin: string;
    let operator: string;
    before(async () => {
      hub = await startTestHub({
        config: {
          connectors: [pushConnector("feed")],
          users: [{ username: "alice", firstExtension: "1001", sipUri: "sip:alice@pbx.example" }],
        },
      });
      admin = await hub.token("admin");
      operator = await hub.token("operator");
    });
    after(() => hub?.stop());

    /** Sends one request; any 5xx, or a 4xx without a JSON reason, fails the property. */
    async function apiVerdict(method: string, url: string, token: string, body: string | undefined, contentType = "application/json"): Promise<Verdict> {
      const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": contentType } : {}) }, body });
      const text = await res.text();
      expect(res.status, `${method} ${url} ${body?.slice(0, 200)} → ${res.status} ${text.slice(0, 300)}`).to.be.below(500);
      if (res.status >= 400) {
        const json = JSON.parse(text) as { message?: string; error?: string };
        expect(json.message ?? json.error, text).to.be.a("string").that.is.not.empty;
        return "rejected";
      }
      return "accepted";
    }

    /** JSON bodies: random values, and objects shaped like the route's body with wrong types and junk strings. */
    const junkJson = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.dictionary(fc.constantFrom("text", "validUntil", "visibleTo", "version", "displayName", "firstExtension", "sipUri", "voicemailNumber", "value", "name", "role", "password", "label", "username", "enabled", "type", "settings"), fc.oneof(fc.jsonValue(), junkText)).map((o) => JSON.stringify(o)),
      mutated(fc.constantFrom('{"text":"At lunch","validUntil":"2099-01-01T00:00:00Z"}', '{"displayName":"Alice","firstExtension":"1001"}', '{"value":true}', '{"name":"op1","role":"operator","password":"a-long-password-1"}')),
      junkText,
    );
    /** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD, as on the wire). */
    const pct = (s: string) => [...Buffer.from(s, "utf8")].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0")}`)).join("");
    const pathSegment = fc.oneof(fc.constantFrom("alice", "bob", "nobody", "%", "%zz", "%00", "..", "%2e%2e", "a%2Fb"), username, junkText.filter((s) => s.length > 0).map(pct));

    it("notes, users, settings, accounts, tokens, diagnostics and sessions never answer 5xx to junk", async () => {
      const routes: [string, (seg: string) => string, string][] = [
        ["PUT", (s) => `/api/v1/users/${s}/note`, operator],
        ["PUT", (s) => `/api/v1/users/${s}`, admin],
        ["PUT", (s) => `/api/v1/settings/${s === "alice" ? "presence.monitorAll" : s === "bob" ? "telephony.voicemailPilot" : s}`, admin],
        ["POST", () => "/api/v1/accounts", admin],
        ["POST", () => "/api/v1/tokens", admin],
        ["POST", () => "/api/v1/diagnostics/subscriptions", operator],
        ["POST", () => "/api/v1/session", operator],
        ["PUT", (s) => `/api/v1/me/contacts/${s}`, operator],
      ];
      for (const [method, url, token] of routes) {
        await fuzzAsync(`api ${method} ${url(":x")}`, fc.tuple(pathSegment, junkJson), ([seg, body]) => apiVerdict(method, hub.url + url(seg), token, body), { numRuns: runs(0.1), boundMs: 5_000 });
      }
    });

    it("connector admin payloads never answer 5xx (every server kept on loopback: fuzzing sends nothing off the machine)", async () => {
      const connector = fc.record({
        type: fc.constantFrom("sip-simple", "tapi", "http-push", "nope", 7),
        enabled: fc.oneof(fc.boolean(), junkText),
        server: fc.constantFrom("127.0.0.1:26299", "127.0.0.1", "[::1]:26299", "127.0.0.1:0", "127.0.0.1:99999", ""),
        protocol: fc.oneof(fc.constantFrom("udp", "tcp", "tls"), junkText),
        listen: fc.constantFrom("127.0.0.1:0", "127.0.0.1:-1", "127.0.0.1"),
        uri: fc.oneof(fc.constant("hub@127.0.0.1"), junkText),
        token: fc.oneof(fc.constant("a-long-enough-token-123"), junkText),
        expires: fc.oneof(fc.integer(), fc.double(), junkText),
      }, { requiredKeys: ["type", "server"] });
      await fuzzAsync("api PUT /api/v1/connectors/:id", fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), connector), async ([id, body]) => {
        const v = await apiVerdict("PUT", `${hub.url}/api/v1/connectors/fz-${id}`, admin, JSON.stringify(body));
        await fetch(`${hub.url}/api/v1/connectors/fz-${id}`, { method: "DELETE", headers: { authorization: `Bearer ${admin}` } });
        return v;
      }, { numRuns: runs(0.05), boundMs: 5_000 });
    });

    it("query strings of the user search and the CSV import route never answer 5xx", async () => {
      const query = fc.record({ q: junkText, telephony: fc.oneof(junkText, fc.constantFrom("busy", "errors", "service")), rich: junkText, limit: fc.oneof(fc.integer(), junkText), offset: fc.oneof(fc.integer(), junkText) }, { requiredKeys: [] });
      await fuzzAsync("api GET /api/v1/users?q=...", query, (q) => apiVerdict("GET", `${hub.url}/api/v1/users?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)] as [string, string]))}`, operator, undefined), { numRuns: runs(0.1), boundMs: 5_000 });
      await fuzzAsync("api POST /api/v1/users/import (CSV)", fc.oneof(mutated(csvFile.map((f) => f.text)), junkText), (text) => apiVerdict("POST", `${hub.url}/api/v1/users/import`, admin, text, "text/csv"), { numRuns: runs(0.05), boundMs: 5_000 });
    });

    it("http-push accepts valid updates and refuses junk with 4xx, never 5xx", async () => {
      const update = fc.record({
        extension: fc.oneof(extension, junkText),
        sipUri: fc.oneof(fc.constant("sip:alice@pbx.example"), junkText),
        username: fc.oneof(fc.constant("alice"), junkText),
        telephony: fc.oneof(fc.record({ line: fc.constantFrom("available", "ringing", "busy", "offline", "lunch"), dnd: fc.oneof(fc.boolean(), junkText), forwardTo: fc.oneof(extension, fc.constant(null), junkText) }, { requiredKeys: ["line"] }), fc.jsonValue()),
        rich: fc.oneof(fc.record({ status: fc.constantFrom("available", "away", "busy", "dnd", "offline"), message: junkText }, { requiredKeys: ["status"] }), fc.jsonValue()),
        at: fc.oneof(fc.nat(), fc.double(), junkText),
      }, { requiredKeys: [] });
      const body = fc.oneof(update.map((u) => JSON.stringify(u)), fc.array(update, { maxLength: 5 }).map((updates) => JSON.stringify({ updates })), junkJson);
      await fuzzAsync("api http-push POST /presence", body, async (b) => {
        const res = await fetch(`${pushUrl(hub.app, "feed")}/presence`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${PUSH_TOKEN}` }, body: b });
        const json = (await res.json()) as { error?: string };
        expect(res.status, `${b.slice(0, 200)} → ${JSON.stringify(json)}`).to.be.below(500);
        if (res.status >= 400) {
          expect(json.error).to.be.a("string").that.is.not.empty;
          return "rejected";
        }
        return "accepted";
      }, { numRuns: runs(0.1), boundMs: 5_000 });
    });

    it("the console stream survives junk messages: each is refused or ignored, and the socket keeps serving", async () => {
      const ws = new WebSocket(`${hub.url.replace("http", "ws")}/api/v1/stream?token=${operator}`);
      const received: string[] = [];
      let closed: number | null = null;
      ws.on("message", (m) => received.push(String(m)));
      ws.on("close", (code) => (closed = code));
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      const frame = fc.oneof(junkJson, fc.jsonValue().map((v) => JSON.stringify({ watch: v })), fc.constantFrom('{"watch":"all"}', '{"watch":{"q":"a"}}', '{"watch":[]}'));
      let sent = 0;
      await fuzzAsync("api console stream frames", frame, async (f) => {
        if (ws.readyState !== WebSocket.OPEN) return "rejected";
        ws.send(f);
        sent++;
        return "accepted";
      }, { numRuns: runs(0.1) });
      // Whatever it made of the junk, the hub still answers on this socket or closed it with a policy code, and serves a new one.
      await new Promise((r) => setTimeout(r, 300));
      if (closed !== null) expect([1002, 1003, 1007, 1008, 1009]).to.include(closed);
      else {
        const before = received.length;
        ws.send('{"watch":["alice"]}');
        await waitFor("a stream answer", () => received.length > before, 5000).catch(() => undefined);
        expect(received.length, "the stream answers a valid watch after the junk").to.be.greaterThan(before);
        ws.close();
      }
      recordFault("junk WebSocket frames", { injected: sent, survived: sent });
      const health = await fetch(`${hub.url}/api/v1/health`);
      expect(health.status).to.equal(200);
    });
  });
});
