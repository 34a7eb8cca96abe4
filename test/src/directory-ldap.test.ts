import { Validator } from "@seriousme/openapi-schema-validator";
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ManualClock, startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { openLdapAvailable, ouLdif, personDn, personLdif, startOpenLdap, type OpenLdapInstance } from "./support/openldap.js";
import { runCli } from "./support/run-cli.js";
import { StreamClient } from "./support/stream-client.js";

/** This file's loopback ports (range 25800-25899). */
const PORTS = { ldap: 25801, ldaps: 25802 };
const PLUGIN = "@presence-hub/plugin-directory-ldap";
/** The hub reads the bind password from this variable at every run (so tests can rotate it). */
const PASSWORD_ENV = "PRESENCE_HUB_TEST_LDAP_PASSWORD";

interface Report {
  trigger: string;
  dryRun: boolean;
  outcome: "ok" | "failed";
  error: string | null;
  failedPhase: string | null;
  finishedAt: number;
  entries: number;
  pages: number;
  counts: { added: number; updated: number; removed: number; unchanged: number; skipped: number };
  added: { username: string; firstExtension: string | null; sipUri: string | null; voicemailNumber: string | null }[];
  updated: { username: string; changes: { field: string; from: string | null; to: string | null }[] }[];
  removed: { username: string }[];
  skipped: { dn: string; username: string | null; reason: string }[];
}
interface Status {
  enabled: boolean;
  running: boolean;
  nextRunAt: number | null;
  lastSuccessAt: number | null;
  lastRun: Report | null;
  lastDryRun: Report | null;
  source: Record<string, unknown>;
}

/**
 * The directory sync against a real OpenLDAP (Debian slapd): initial sync, updates, removals,
 * paging past the server's size limit, bad credentials, dry runs, ldaps/StartTLS, the schedule,
 * the CLI. Each scenario reads its own organisational unit, so they do not disturb each other.
 */
describe("directory-ldap against OpenLDAP", function () {
  this.timeout(120_000);
  let ldap: OpenLdapInstance;
  const hubs: TestHub[] = [];

  before(async function () {
    this.timeout(60_000);
    openLdapAvailable();
    ldap = await startOpenLdap({ ports: PORTS });
    process.env[PASSWORD_ENV] = ldap.servicePassword;
  });
  after(async () => {
    for (const h of hubs) await h.stop().catch(() => undefined);
    await ldap?.stop();
    delete process.env[PASSWORD_ENV];
  });

  /** The plugin's section for a scenario reading `ou=<ou>`; OpenLDAP defaults plus pager → voicemail. */
  const section = (ou: string, extra: Record<string, unknown> = {}) => ({
    url: ldap.url,
    bindDn: ldap.serviceDn,
    bindPasswordEnv: PASSWORD_ENV,
    baseDn: `ou=${ou},${ldap.baseDn}`,
    attributes: { voicemailNumber: "pager" },
    scheduleMinutes: 0,
    ...extra,
  });
  async function hubFor(pluginOptions: Record<string, unknown>, more: { users?: unknown[]; clock?: ManualClock } = {}): Promise<TestHub> {
    const hub = await startTestHub({
      extraPlugins: [PLUGIN],
      ...(more.clock ? { clock: more.clock } : {}),
      config: { users: more.users ?? [], pluginOptions: { "directory-ldap": pluginOptions, "console-api": { flushMs: 10 } } },
    });
    hubs.push(hub);
    return hub;
  }
  const api = async (hub: TestHub, token: string, method: string, route: string) => {
    const res = await fetch(`${hub.url}/api/v1${route}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const status = async (hub: TestHub, token: string) => (await api(hub, token, "GET", "/directory/status")).body as unknown as Status;
  const sync = async (hub: TestHub, token: string, dryRun = false) => api(hub, token, "POST", `/directory/sync?dryRun=${dryRun}`);
  /** Waits for a real run's report that `accept` takes (default: any, e.g. the run at start). */
  const lastRun = async (hub: TestHub, token: string, what = "the start run", accept: (r: Report) => boolean = () => true): Promise<Report> =>
    (await waitFor(what, async () => {
      const r = (await status(hub, token)).lastRun;
      return r !== null && accept(r) ? r : null;
    }, 30_000))!;
  const users = (hub: TestHub) => Object.fromEntries(hub.app.hub.users().map((u) => [u.username, u]));

  describe("a directory of staff", () => {
    let hub: TestHub;
    let admin: string;
    let operator: string;

    before(async () => {
      await ldap.add(
        ouLdif("staff") +
          personLdif({ ou: "staff", uid: "alice", cn: "Alice Example", telephoneNumber: "201", labeledURI: "sip:alice@example.org", pager: "8201" }) +
          personLdif({ ou: "staff", uid: "bob", cn: "Bob Builder", telephoneNumber: "+1 (555) 0202", labeledURI: "https://bob.example.org Home page" }) +
          personLdif({ ou: "staff", uid: "carol", cn: "Carol Jones", telephoneNumber: "203", labeledURI: "sip:carol@example.org" }) +
          personLdif({ ou: "staff", uid: "dave", telephoneNumber: "204" }) +
          personLdif({ ou: "staff", uid: "erin", telephoneNumber: "204" }) +
          personLdif({ ou: "staff", rdn: "cn=Printer Room", cn: "Printer Room", telephoneNumber: "299" }) +
          personLdif({ ou: "staff", uid: "frank", cn: "Frank No Phone" }) +
          personLdif({ ou: "staff", uid: "gina", telephoneNumber: "300" }) +
          personLdif({ ou: "staff", uid: "boss", telephoneNumber: "310" }),
      );
      hub = await hubFor(section("staff"), {
        users: [
          { username: "reception", displayName: "Reception", firstExtension: "300" },
          { username: "boss", displayName: "The Boss", firstExtension: "301" },
        ],
      });
      admin = await hub.token("admin");
      operator = await hub.token("operator");
    });

    it("synchronises at start: adds valid entries with origin ldap, reports every skipped entry with its reason", async () => {
      const s = await lastRun(hub, operator);
      expect(s).to.deep.include({ trigger: "start", dryRun: false, outcome: "ok", entries: 9, pages: 1 });
      expect(s.counts).to.deep.equal({ added: 3, updated: 0, removed: 0, unchanged: 0, skipped: 6 });
      const u = users(hub);
      expect(u.alice).to.deep.equal({ username: "alice", displayName: "Alice Example", firstExtension: "201", sipUri: "sip:alice@example.org", voicemailNumber: "8201", origin: "ldap" });
      expect(u.bob).to.deep.include({ displayName: "Bob Builder", firstExtension: "+15550202", sipUri: null, origin: "ldap" });
      expect(u.carol).to.deep.include({ firstExtension: "203", origin: "ldap" });
      expect(u.reception).to.deep.include({ firstExtension: "300", origin: "config" });
      expect(u.boss).to.deep.include({ displayName: "The Boss", firstExtension: "301", origin: "config" });
      expect(Object.keys(u).sort()).to.deep.equal(["alice", "bob", "boss", "carol", "reception"]);
      const reasons = Object.fromEntries(s.skipped.map((k) => [k.dn.split(",")[0], k.reason]));
      expect(reasons["uid=dave"]).to.equal(`duplicate firstExtension "204" in the directory: also ${personDn({ ou: "staff", uid: "erin" })}`);
      expect(reasons["uid=erin"]).to.match(/^duplicate firstExtension "204"/);
      expect(reasons["cn=Printer Room"]).to.equal("no username: uid is missing or empty");
      expect(reasons["uid=frank"]).to.match(/^no first extension \(telephoneNumber\) and no SIP URI \(labeledURI\)/);
      expect(reasons["uid=gina"]).to.equal('firstExtension "300" is already used by reception (from config)');
      expect(reasons["uid=boss"]).to.match(/^username "boss" belongs to a user from config/);
    });

    it("shows the source without the password, and lets only admins run a sync", async () => {
      const s = await status(hub, operator);
      expect(s.source).to.deep.equal({ url: ldap.url, baseDn: `ou=staff,${ldap.baseDn}`, filter: "(objectClass=inetOrgPerson)", origin: "ldap", bindDn: ldap.serviceDn });
      expect(JSON.stringify(s)).not.to.contain(ldap.servicePassword);
      expect(s).to.deep.include({ enabled: true, running: false, nextRunAt: null });
      expect((await sync(hub, operator)).status).to.equal(403);
    });

    it("documents its routes in the OpenAPI document (which stays valid)", async () => {
      const doc = (await (await fetch(`${hub.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
      const result = await new Validator().validate(doc as Parameters<Validator["validate"]>[0]);
      expect(result.valid, JSON.stringify(result.errors)).to.equal(true);
      expect(doc.paths["/api/v1/directory/sync"]!.post).to.have.nested.property("responses.200.content");
      expect(doc.paths["/api/v1/directory/status"]!.get).to.have.nested.property("responses.200.content");
    });

    it("a dry run reports what would change and changes nothing", async () => {
      await ldap.modify(`dn: ${personDn({ ou: "staff", uid: "alice" })}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: 211\n\n`);
      await ldap.delete(personDn({ ou: "staff", uid: "carol" }));
      const before = JSON.stringify(users(hub));
      const lastRun = (await status(hub, operator)).lastRun;
      const res = await sync(hub, admin, true);
      expect(res.status).to.equal(200);
      const r = res.body as unknown as Report;
      expect(r).to.deep.include({ dryRun: true, outcome: "ok" });
      expect(r.updated).to.deep.equal([{ dn: personDn({ ou: "staff", uid: "alice" }), username: "alice", changes: [{ field: "firstExtension", from: "201", to: "211" }] }]);
      expect(r.removed.map((x) => x.username)).to.deep.equal(["carol"]);
      expect(JSON.stringify(users(hub))).to.equal(before);
      const s = await status(hub, operator);
      expect(s.lastRun).to.deep.equal(lastRun);
      expect(s.lastDryRun).to.deep.equal(r);
    });

    it("applies a changed attribute as an update, live on a console", async () => {
      const console = await StreamClient.connect(hub.url, { token: operator });
      console.send({ watch: "all" });
      await console.waitFor("snapshot", (m) => m.type === "snapshot");
      // carol's deletion is pending too: put her back, this test is about the update
      await ldap.add(personLdif({ ou: "staff", uid: "carol", cn: "Carol Jones", telephoneNumber: "203", labeledURI: "sip:carol@example.org" }));
      const r = (await sync(hub, admin)).body as unknown as Report;
      expect(r).to.deep.include({ trigger: "manual", dryRun: false, outcome: "ok" });
      expect(r.counts).to.deep.include({ added: 0, updated: 1, removed: 0, unchanged: 2 });
      expect(users(hub).alice!.firstExtension).to.equal("211");
      await console.waitFor("alice's new extension on the console", (m) => m.type === "delta" && (m.users ?? []).some((u) => u.username === "alice" && (u as { firstExtension?: string }).firstExtension === "211"));
      await console.close();
    });

    it("removes the user of a deleted entry, live on a console; users from elsewhere stay", async () => {
      const console = await StreamClient.connect(hub.url, { token: operator });
      console.send({ watch: "all" });
      await console.waitFor("snapshot", (m) => m.type === "snapshot");
      await ldap.delete(personDn({ ou: "staff", uid: "carol" }));
      const r = (await sync(hub, admin)).body as unknown as Report;
      expect(r.removed.map((x) => x.username)).to.deep.equal(["carol"]);
      expect(Object.keys(users(hub)).sort()).to.deep.equal(["alice", "bob", "boss", "reception"]);
      await console.waitFor("carol removed on the console", (m) => m.type === "delta" && (m.removed ?? []).includes("carol"));
      await console.close();
    });

    it("swaps two users' extensions (each other's old one) in one run", async () => {
      await ldap.modify(
        `dn: ${personDn({ ou: "staff", uid: "alice" })}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: +15550202\n\n` +
          `dn: ${personDn({ ou: "staff", uid: "bob" })}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: 211\n\n`,
      );
      const r = (await sync(hub, admin)).body as unknown as Report;
      expect(r).to.deep.include({ outcome: "ok" });
      expect(r.counts).to.deep.include({ updated: 2, skipped: 6 });
      expect(users(hub).alice!.firstExtension).to.equal("+15550202");
      expect(users(hub).bob!.firstExtension).to.equal("211");
    });

    it("with bad credentials: a clear error, and no user changes (the password is read at every run)", async () => {
      await ldap.add(personLdif({ ou: "staff", uid: "hank", telephoneNumber: "208" }));
      const before = JSON.stringify(users(hub));
      process.env[PASSWORD_ENV] = "wrong-password";
      try {
        const res = await sync(hub, admin);
        expect(res.status).to.equal(502);
        expect(res.body.message).to.equal(`directory sync failed: the directory refused the bind as "${ldap.serviceDn}": invalid credentials; check bindDn and the password (environment variable ${PASSWORD_ENV})`);
        expect((res.body.report as Report)).to.deep.include({ outcome: "failed", failedPhase: "bind" });
        expect(JSON.stringify(users(hub))).to.equal(before);
        expect((await status(hub, operator)).lastRun).to.deep.include({ outcome: "failed", failedPhase: "bind" });
        expect(JSON.stringify(res.body)).not.to.contain("wrong-password");
      } finally {
        process.env[PASSWORD_ENV] = ldap.servicePassword;
      }
      const fixed = (await sync(hub, admin)).body as unknown as Report;
      expect(fixed.added.map((a) => a.username)).to.deep.equal(["hank"]);
    });

    it("presence-hub users sync [--dry-run] calls the running hub and prints the report", async () => {
      await ldap.modify(`dn: ${personDn({ ou: "staff", uid: "hank" })}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: 209\n\n`);
      const dry = await runCli(["users", "sync", "--dry-run", "--url", hub.url, "--token", admin]);
      expect(dry.code, dry.stderr).to.equal(0);
      expect(dry.stdout).to.match(/^dry run, nothing changed: would add 0, update 1, remove 0; unchanged 2, skipped 6 \(9 entries in 1 pages from ldap:\/\/127\.0\.0\.1:25801\)\n~ hank\tfirstExtension 208 -> 209\n$/);
      expect(dry.stderr).to.contain(`skipped ${personDn({ ou: "staff", uid: "gina" })}: gina: firstExtension "300" is already used by reception (from config)`);
      expect(users(hub).hank!.firstExtension).to.equal("208");

      const real = await runCli(["users", "sync", "--url", hub.url], { env: { PRESENCE_HUB_TOKEN: admin } });
      expect(real.code, real.stderr).to.equal(0);
      expect(real.stdout).to.match(/^added 0, updated 1, removed 0; unchanged 2, skipped 6/);
      expect(users(hub).hank!.firstExtension).to.equal("209");

      const json = await runCli(["users", "sync", "--dry-run", "--json", "--url", hub.url, "--token", admin]);
      expect((JSON.parse(json.stdout) as Report).counts).to.deep.include({ unchanged: 3, skipped: 6 });

      process.env[PASSWORD_ENV] = "wrong-password";
      try {
        const failed = await runCli(["users", "sync", "--url", hub.url, "--token", admin]);
        expect(failed.code).to.equal(1);
        expect(failed.stderr).to.contain("presence-hub: users sync failed: 502: directory sync failed: the directory refused the bind");
      } finally {
        process.env[PASSWORD_ENV] = ldap.servicePassword;
      }
      const forbidden = await runCli(["users", "sync", "--url", hub.url, "--token", operator]);
      expect(forbidden.code).to.equal(1);
      expect(forbidden.stderr).to.match(/users sync failed: 403/);
    });
  });

  describe("a directory larger than the server's size limit", () => {
    before(async () => {
      let ldif = ouLdif("many");
      for (let i = 0; i < 120; i++) ldif += personLdif({ ou: "many", uid: `p${i}`, cn: `Person ${i}`, telephoneNumber: String(5000 + i) });
      await ldap.add(ldif);
    });

    it("reads every entry in pages (120 entries, 20 per page, the server stops unpaged searches at 100)", async () => {
      const hub = await hubFor(section("many", { pageSize: 20 }));
      const admin = await hub.token("admin");
      const first = await lastRun(hub, admin);
      expect(first).to.deep.include({ outcome: "ok", entries: 120 });
      expect(first.pages).to.be.at.least(6);
      expect(hub.app.hub.users().filter((u) => u.origin === "ldap")).to.have.length(120);
      const again = (await sync(hub, admin)).body as unknown as Report;
      expect(again.counts).to.deep.equal({ added: 0, updated: 0, removed: 0, unchanged: 120, skipped: 0 });
    });

    it("a page larger than the server allows fails with what to do, and changes nothing", async () => {
      const hub = await hubFor(section("many", { pageSize: 150 }));
      const admin = await hub.token("admin");
      const run = await lastRun(hub, admin);
      expect(run).to.deep.include({ outcome: "failed", failedPhase: "search" });
      expect(run.error).to.match(/^the server's size limit cut the search short \(LDAP result 11\); lower pageSize \(now 150\)/);
      expect(hub.app.hub.users()).to.deep.equal([]);
    });
  });

  describe("TLS", () => {
    let tlsLdap: OpenLdapInstance;
    let caFile: string;
    let dir: string;
    before(async function () {
      this.timeout(60_000);
      dir = mkdtempSync(path.join(tmpdir(), "directory-ldap-tls-"));
      // a second server on this file's next ports, with a throwaway CA and certificate
      tlsLdap = await startOpenLdap({ ports: { ldap: PORTS.ldap + 10, ldaps: PORTS.ldaps + 10 } });
      await tlsLdap.add(personLdif({ uid: "tina", telephoneNumber: "401" }));
      caFile = path.join(dir, "ca.pem");
      writeFileSync(caFile, tlsLdap.caCertPem!);
      process.env[`${PASSWORD_ENV}_TLS`] = tlsLdap.servicePassword;
    });
    after(async () => {
      await tlsLdap?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      delete process.env[`${PASSWORD_ENV}_TLS`];
    });
    const tlsSection = (extra: Record<string, unknown>) => ({ bindDn: tlsLdap.serviceDn, bindPasswordEnv: `${PASSWORD_ENV}_TLS`, baseDn: `ou=people,${tlsLdap.baseDn}`, scheduleMinutes: 0, ...extra });
    const firstRun = async (hub: TestHub) => {
      const token = await hub.token("operator");
      return lastRun(hub, token);
    };

    it("reads over ldaps:// trusting the configured CA (file), and over StartTLS (PEM inline)", async () => {
      const overLdaps = await hubFor(tlsSection({ url: tlsLdap.ldapsUrl, tlsCa: caFile }));
      const viaLdaps = await firstRun(overLdaps);
      expect(viaLdaps.error, viaLdaps.error ?? "").to.equal(null);
      expect(viaLdaps).to.deep.include({ outcome: "ok", entries: 1 });
      expect(overLdaps.app.hub.user("tina")).to.deep.include({ firstExtension: "401", origin: "ldap" });
      const overStartTls = await hubFor(tlsSection({ url: tlsLdap.url, startTls: true, tlsCa: tlsLdap.caCertPem }));
      const viaStartTls = await firstRun(overStartTls);
      expect(viaStartTls.error, viaStartTls.error ?? "").to.equal(null);
      expect(viaStartTls).to.deep.include({ outcome: "ok", entries: 1 });
    });

    it("refuses a server certificate it cannot verify, saying to set tlsCa", async () => {
      const hub = await hubFor(tlsSection({ url: tlsLdap.ldapsUrl }));
      const run = await firstRun(hub);
      expect(run).to.deep.include({ outcome: "failed", failedPhase: "tls" });
      expect(run.error).to.match(/^TLS with ldaps:\/\/127\.0\.0\.1:25812 failed: .*\(set tlsCa to the CA that signed the server's certificate\)$/);
      expect(hub.app.hub.users()).to.deep.equal([]);
    });
  });

  describe("configuration", () => {
    it("a bad section stops the hub at start, naming the keys", async () => {
      let error: Error | null = null;
      try {
        hubs.push(await startTestHub({ extraPlugins: [PLUGIN], config: { pluginOptions: { "directory-ldap": { url: "http://ldap", bindPassword: "secret" } } } }));
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).to.match(/pluginOptions\.directory-ldap\.url: must be ldap:\/\/host\[:port\] or ldaps:\/\/host\[:port\]/);
      expect(error?.message).to.contain("pluginOptions.directory-ldap.baseDn: is required");
      expect(error?.message).to.match(/pluginOptions\.directory-ldap\.bindPassword: unknown key/);
    });

    it("keys that contradict each other leave the hub running without the plugin, the reason in Manage Services", async () => {
      const hub = await hubFor({ url: ldap.url, baseDn: ldap.baseDn, bindDn: ldap.serviceDn });
      const admin = await hub.token("admin");
      const services = (await api(hub, admin, "GET", "/services")).body.services as { id: string; state: string; lastError: string | null }[];
      const plugin = services.find((x) => x.id === "plugin:directory-ldap");
      expect(plugin).to.deep.include({ state: "failed" });
      expect(plugin!.lastError).to.contain("pluginOptions.directory-ldap.bindPasswordEnv: is required with bindDn (or bindPasswordFile)");
      expect((await sync(hub, admin)).status).to.equal(404);
    });
  });

  describe("the schedule", () => {
    before(() => ldap.add(ouLdif("sched") + personLdif({ ou: "sched", uid: "sam", telephoneNumber: "601" })));

    it("runs at start, then every scheduleMinutes after the previous run (the hub's clock)", async () => {
      const clock = new ManualClock(Date.now());
      const hub = await hubFor(section("sched", { scheduleMinutes: 5 }), { clock });
      const admin = await hub.token("admin");
      const first = await lastRun(hub, admin);
      expect(first.added.map((a) => a.username)).to.deep.equal(["sam"]);
      const next = await waitFor("the next run scheduled", async () => (await status(hub, admin)).nextRunAt);
      expect(next).to.equal(first.finishedAt + 5 * 60_000);
      await ldap.modify(`dn: ${personDn({ ou: "sched", uid: "sam" })}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: 602\n\n`);
      clock.advance(4 * 60_000);
      expect(hub.app.hub.user("sam")!.firstExtension).to.equal("601");
      clock.advance(60_000);
      const second = await lastRun(hub, admin, "the scheduled run", (r) => r.trigger === "schedule");
      expect(second.updated.map((u) => u.username)).to.deep.equal(["sam"]);
      expect(hub.app.hub.user("sam")!.firstExtension).to.equal("602");
    });

    it("is a service in Manage Services; stopping it stops the automatic runs", async () => {
      const clock = new ManualClock(Date.now());
      const hub = await hubFor(section("sched", { scheduleMinutes: 5 }), { clock });
      const admin = await hub.token("admin");
      await lastRun(hub, admin);
      const list = (await api(hub, admin, "GET", "/services")).body.services as { id: string; state: string }[];
      expect(list.find((x) => x.id === "plugin:directory-ldap/sync")).to.deep.include({ state: "running" });
      expect((await api(hub, admin, "POST", "/services/plugin:directory-ldap%2Fsync/stop")).body).to.deep.include({ state: "stopped" });
      expect((await status(hub, admin)).nextRunAt).to.equal(null);
      const before = (await status(hub, admin)).lastRun;
      clock.advance(60 * 60_000);
      await new Promise((r) => setTimeout(r, 200));
      expect((await status(hub, admin)).lastRun).to.deep.equal(before);
    });
  });
});
