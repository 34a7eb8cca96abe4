import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RichState, TelephonyState } from "@presence-hub/core";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { KAMAILIO_ACCOUNTS, kamailioAvailable, startKamailio, type KamailioInstance } from "./support/kamailio.js";
import { DialogPublisher, PresencePublisher, placeCall } from "./support/sipp.js";

/**
 * The SIP SIMPLE connector against a real Kamailio presence server (UDP, TCP, TLS; 401, 407,
 * trusted), driven by real SIPp publishers and a real call. Ports 25200-25299.
 */
describe("sip-simple against Kamailio", function () {
  this.timeout(120_000);
  const tmp = mkdtempSync(path.join(tmpdir(), "ph-sip-"));
  const extensions = [
    { username: "1001", password: "pw1001" },
    { username: "2001", password: "pw2001" },
    { username: "2002", password: "pw2002" },
  ];
  let kam: KamailioInstance;

  before(async () => {
    kamailioAvailable({ tls: true });
    kam = await startKamailio({ ports: { udp: 25200, tls: 25201 }, parentDir: tmp, extraAccounts: extensions });
  });
  after(async () => {
    await kam?.dispose();
  });

  function hubConfig(protocol: "udp" | "tcp" | "tls", extra: Record<string, unknown> = {}) {
    const port = protocol === "tls" ? kam.ports.tls! : kam.ports.udp;
    return {
      presence: { monitorAll: true },
      connectors: [
        {
          id: "kam",
          type: "sip-simple",
          server: `127.0.0.1:${port}`,
          protocol,
          uri: "hub@127.0.0.1",
          authId: "hub",
          password: "secret",
          domain: "127.0.0.1",
          t1Ms: 100,
          ...(protocol === "tls" ? { tlsCa: kam.caCertPem, tlsServerName: "localhost" } : {}),
          ...extra,
        },
      ],
      users: [
        { username: "alice", displayName: "Alice", firstExtension: "1001", sipUri: "sip:alice@127.0.0.1" },
        { username: "callee", displayName: "Callee", firstExtension: "2002" },
      ],
    };
  }

  const tel = (hub: TestHub, u: string) => hub.app.hub.presence(u)!.telephony as TelephonyState;
  const rich = (hub: TestHub, u: string) => hub.app.hub.presence(u)!.rich as RichState;
  const connector = (hub: TestHub) => hub.app.hub.connectorInfo("kam").health;

  describe("over UDP with digest 401", () => {
    let hub: TestHub;
    before(async () => {
      hub = await startTestHub({ config: hubConfig("udp") });
    });
    after(() => hub?.stop());

    it("reports up-and-running once the server accepts the credentials", async () => {
      await waitFor("up-and-running", () => connector(hub).status === "up-and-running");
    });

    it("shows rich presence published by a SIPp publisher, state by state", async () => {
      await waitFor("alice offline (nothing published)", () => rich(hub, "alice").status === "offline");
      const alice = new PresencePublisher({ server: kam, localPort: 25210, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
      await alice.publish("away", { note: "Lunch break" });
      await waitFor("alice away", () => rich(hub, "alice").status === "away");
      expect(rich(hub, "alice")).to.include({ message: "Lunch break" });
      expect(rich(hub, "alice").provenance).to.include({ source: "kam" });
      await alice.publish("busy", { note: "In a meeting" });
      await waitFor("alice busy", () => rich(hub, "alice").status === "busy");
      await alice.publish("dnd");
      await waitFor("alice dnd", () => rich(hub, "alice").status === "dnd");
      await alice.publish("available", { note: "Café ☕ im Büro" });
      await waitFor("alice available", () => rich(hub, "alice").status === "available");
      expect(rich(hub, "alice").message).to.equal("Café ☕ im Büro");
      await alice.unpublish();
      await waitFor("alice offline after unpublish", () => rich(hub, "alice").status === "offline");
    });

    it("shows telephony from published dialog-info: ringing, busy, available", async () => {
      const phone = new DialogPublisher({ server: kam, localPort: 25211, traceDir: tmp, account: extensions[0]! });
      await phone.publish({ state: "early", direction: "recipient", remote: "sip:bob@127.0.0.1" });
      await waitFor("ringing", () => tel(hub, "alice").status === "ringing");
      expect(tel(hub, "alice").detail).to.include({ direction: "inbound" });
      await phone.publish({ state: "confirmed", direction: "recipient", remote: "sip:bob@127.0.0.1" });
      await waitFor("busy", () => tel(hub, "alice").status === "busy");
      await phone.publish({ state: "terminated", direction: "recipient", remote: "sip:bob@127.0.0.1" });
      await waitFor("available", () => tel(hub, "alice").status === "available");
    });

    it("shows a real call through Kamailio: the callee rings, talks, and is free again", async () => {
      const seen: string[] = [];
      hub.app.bus.register({ name: "call-watch", deliver: (e) => e.event.type === "presence" && e.event.username === "callee" && e.event.field === "telephony" && seen.push(e.event.state.status) });
      const call = placeCall({ server: kam, traceDir: tmp, caller: extensions[1]!, callee: extensions[2]!, ports: { caller: 25220, callee: 25221, register: 25222 }, ringMs: 1500, talkMs: 1500 });
      await call;
      await waitFor("callee available after the call", () => seen.includes("busy") && tel(hub, "callee").status === "available", 15_000);
      expect(seen).to.include("ringing");
      expect(seen.indexOf("ringing")).to.be.below(seen.indexOf("busy"));
    });

    it("keeps a trace of the messages with credentials redacted", async () => {
      const trace = hub.app.hub.connectorTrace("kam", { username: "alice" });
      expect(trace.length).to.be.greaterThan(0);
      expect(trace.some((t) => t.text.startsWith("NOTIFY "))).to.equal(true);
      expect(trace.map((t) => t.text).join("\n")).to.not.match(/response="[0-9a-f]{32}"/);
    });
  });

  for (const protocol of ["tcp", "tls"] as const) {
    describe(`over ${protocol.toUpperCase()}`, () => {
      let hub: TestHub;
      before(async () => {
        hub = await startTestHub({ config: hubConfig(protocol) });
      });
      after(() => hub?.stop());

      it("subscribes, authenticates and follows rich presence", async () => {
        await waitFor("up-and-running", () => connector(hub).status === "up-and-running");
        const alice = new PresencePublisher({ server: kam, localPort: protocol === "tcp" ? 25230 : 25231, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
        await alice.publish("away", { note: `via ${protocol}` });
        await waitFor(`alice away via ${protocol}`, () => rich(hub, "alice").message === `via ${protocol}`);
        await alice.unpublish();
      });
    });
  }

  describe("with a resource list (RFC 4662)", () => {
    it("gets the list's members through one SUBSCRIBE and watches the others one by one", async () => {
      const config = hubConfig("udp", { resourceListUri: "sip:team@127.0.0.1" });
      (config as { users: unknown[] }).users = [
        { username: "alice", sipUri: "sip:alice@127.0.0.1" },
        { username: "bob", sipUri: "sip:bob@127.0.0.1" },
        { username: "carol", sipUri: "sip:carol@127.0.0.1" },
        { username: "dave", sipUri: "sip:dave@127.0.0.1" },
      ];
      const hub = await startTestHub({ config });
      try {
        const bob = new PresencePublisher({ server: kam, localPort: 25245, traceDir: tmp, account: KAMAILIO_ACCOUNTS.bob });
        const dave = new PresencePublisher({ server: kam, localPort: 25246, traceDir: tmp, account: KAMAILIO_ACCOUNTS.dave });
        await waitFor("up-and-running", () => connector(hub).status === "up-and-running");
        await new Promise((r) => setTimeout(r, 1500)); // the RLS back-end subscriptions settle
        await bob.publish("away", { note: "via the list" });
        await dave.publish("busy", { note: "on his own" });
        await waitFor("bob away through the list", () => rich(hub, "bob").message === "via the list", 20_000);
        await waitFor("dave busy through his own subscription", () => rich(hub, "dave").message === "on his own", 20_000);
        const subscribes = hub.app.hub.connectorTrace("kam").filter((t) => t.direction === "out" && t.text.startsWith("SUBSCRIBE "));
        const targets = new Set(subscribes.map((t) => t.text.split(" ")[1]));
        expect(targets.has("sip:team@127.0.0.1")).to.equal(true);
        expect(targets.has("sip:dave@127.0.0.1")).to.equal(true);
        expect(targets.has("sip:bob@127.0.0.1")).to.equal(false);
        expect(targets.has("sip:alice@127.0.0.1")).to.equal(false);
        expect(subscribes.find((t) => t.text.startsWith("SUBSCRIBE sip:team@127.0.0.1"))!.text).to.match(/^Supported: eventlist\r?$/m);
        await bob.unpublish();
        await dave.unpublish();
      } finally {
        await hub.stop();
      }
    });
  });

  describe("with 407 Proxy-Authenticate and with a trusted trunk", () => {
    let proxyAuth: KamailioInstance;
    let trusted: KamailioInstance;
    before(async () => {
      proxyAuth = await startKamailio({ ports: { udp: 25250 }, tls: false, parentDir: tmp, modes: ["proxy-auth"] });
      trusted = await startKamailio({ ports: { udp: 25260 }, tls: false, parentDir: tmp, modes: ["trusted"] });
    });
    after(async () => {
      await proxyAuth?.dispose();
      await trusted?.dispose();
    });

    for (const [name, port, extra] of [
      ["407", 25250, {}],
      ["trusted, dummy credentials", 25260, { uri: "presence@127.0.0.1", authId: "dummy", password: "dummy" }],
    ] as const) {
      it(`${name}: subscribes and follows rich presence`, async () => {
        const server = port === 25250 ? proxyAuth : trusted;
        const hub = await startTestHub({ config: hubConfig("udp", { server: `127.0.0.1:${port}`, ...extra }) });
        try {
          await waitFor("a positive status", () => ["up-and-running", "credentials-not-found"].includes(connector(hub).status));
          const alice = new PresencePublisher({ server, localPort: port + 5, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
          await alice.publish("busy", { note: name });
          await waitFor(`alice busy (${name})`, () => rich(hub, "alice").message === name);
          if (port === 25250) expect(hub.app.hub.connectorTrace("kam").some((t) => /^Proxy-Authorization: Digest /m.test(t.text))).to.equal(true);
          await alice.unpublish();
        } finally {
          await hub.stop();
        }
      });
    }
  });

  describe("with wrong credentials", () => {
    it("reports forbidden and shows access-denied for users", async () => {
      const hub = await startTestHub({ config: hubConfig("udp", { password: "wrong-password" }) });
      try {
        await waitFor("forbidden", () => connector(hub).status === "forbidden");
        await waitFor("access-denied", () => rich(hub, "alice").status === "access-denied");
        expect(JSON.stringify(hub.app.hub.connectorInfos())).to.not.contain("wrong-password");
      } finally {
        await hub.stop();
      }
    });
  });

  describe("server restart", () => {
    for (const protocol of ["udp", "tcp"] as const)
    it(`${protocol}: shows connection-error while Kamailio is down, then recovers every subscription by itself`, async () => {
      const hub = await startTestHub({ config: hubConfig(protocol, { healthCheckSeconds: 5 }) });
      try {
        await waitFor("up-and-running", () => connector(hub).status === "up-and-running");
        await waitFor("alice watched", () => rich(hub, "alice").status === "offline");
        await kam.stop();
        await waitFor("connection-error", () => connector(hub).status === "connection-error", 30_000);
        expect(rich(hub, "alice").status).to.equal("error");
        await kam.restart();
        await waitFor("up-and-running again", () => connector(hub).status === "up-and-running", 30_000);
        const alice = new PresencePublisher({ server: kam, localPort: protocol === "udp" ? 25240 : 25241, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
        await alice.publish("busy", { note: `after restart (${protocol})` });
        await waitFor("state after restart", () => rich(hub, "alice").message === `after restart (${protocol})`, 30_000);
        await alice.unpublish();
      } finally {
        await hub.stop();
      }
    });
  });
});
