import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RichState, TelephonyState } from "@presence-hub/core";
import { startTestHub, type TestHub } from "@presence-hub/core/testing";
import { KAMAILIO_ACCOUNTS, kamailioAvailable, startKamailio, type KamailioInstance } from "./support/kamailio.js";
import { DialogPublisher, PresencePublisher, placeCall } from "./support/sipp.js";
import { waitFor } from "./support/wait-for.js";

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
    it("shows connection-error while Kamailio is down, then recovers every subscription by itself", async () => {
      const hub = await startTestHub({ config: hubConfig("udp", { healthCheckSeconds: 5 }) });
      try {
        await waitFor("up-and-running", () => connector(hub).status === "up-and-running");
        await waitFor("alice watched", () => rich(hub, "alice").status === "offline");
        await kam.stop();
        await waitFor("connection-error", () => connector(hub).status === "connection-error", 30_000);
        expect(rich(hub, "alice").status).to.equal("error");
        await kam.restart();
        await waitFor("up-and-running again", () => connector(hub).status === "up-and-running", 30_000);
        const alice = new PresencePublisher({ server: kam, localPort: 25240, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
        await alice.publish("busy", { note: "after restart" });
        await waitFor("state after restart", () => rich(hub, "alice").message === "after restart", 30_000);
        await alice.unpublish();
      } finally {
        await hub.stop();
      }
    });
  });
});
