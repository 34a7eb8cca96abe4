import { expect } from "chai";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import type { TelephonyState } from "@presence-hub/core";
import { CtiSimulator } from "@presence-hub/plugin-tapi/simulator";
import { push, pushConnector } from "./support/http-push-client.js";

/**
 * The `tapi` connector in a real hub against the CTI simulator over real TCP (CSTA XML, port
 * 25500): monitors follow demand, every event kind shows the right status, DND beats
 * forwarding, CTI beats SIP (an http-push "presence-server" source stands in for SIP), a lost
 * link is reported and restored with every monitor and snapshot, and bad XML costs nothing.
 */
describe("CTI connector (tapi) against the CSTA simulator", function () {
  this.timeout(20_000);
  const PORT = 25500;
  let sim: CtiSimulator;
  let hub: TestHub;

  before(async () => {
    sim = new CtiSimulator({ port: PORT, credentials: { user: "hub", password: "secret-pw-1" }, devices: ["1001", "1002"] });
    await sim.start();
    hub = await startTestHub({
      config: {
        // Exactly the plugins this needs, whatever the bundled set is.
        plugins: ["@presence-hub/plugin-server-priority", "@presence-hub/plugin-voicemail", "@presence-hub/plugin-tapi", "@presence-hub/plugin-http-push"],
        telephony: { voicemailPilot: "8000" },
        connectors: [
          { id: "cti", type: "tapi", enabled: true, server: `127.0.0.1:${PORT}`, user: "hub", password: "secret-pw-1", monitorTimeoutMs: 1000, keepAliveSeconds: 1, reconnectMinMs: 200, reconnectMaxMs: 800 },
          pushConnector("sip", { sourceClass: "presence-server", fields: ["telephony"] }),
        ],
        users: [
          { username: "alice", displayName: "Alice", firstExtension: "1001", voicemailNumber: "8001" },
          { username: "bob", displayName: "Bob", firstExtension: "1002" },
          { username: "dave", displayName: "Dave", firstExtension: "1099" },
        ],
      },
    });
    await waitFor("the CTI link", () => hub.app.hub.connectorInfo("cti").health.status === "up-and-running");
  });

  after(async () => {
    await hub?.stop();
    await sim?.stop();
  });

  const tel = (u = "alice") => hub.app.hub.presence(u)!.telephony as TelephonyState;
  const until = (what: string, check: () => unknown) => waitFor(what, check, 5_000);
  /** Waits for a user's telephony status; a timeout says what was shown instead. */
  const shows = (status: string, u = "alice") =>
    until(`${u} ${status}`, () => tel(u).status === status).catch((e: Error) => {
      throw new Error(`${e.message}; shown: ${JSON.stringify(tel(u))}`);
    });

  it("connects and logs in: up-and-running with the session in the detail", () => {
    expect(hub.app.hub.connectorInfo("cti").health).to.deep.include({ status: "up-and-running" });
    expect(hub.app.hub.connectorInfo("cti").health.detail).to.match(/connected to 127\.0\.0\.1:25500 .*session sim-session-1/);
  });

  it("monitors follow demand: MonitorStart and a snapshot when a console watches, MonitorStop when it leaves", async () => {
    expect(sim.monitoredDevices()).to.deep.equal([]);
    expect(tel().status).to.equal("not-requested");
    hub.app.hub.addDemand("alice", "console:1");
    await shows("available");
    expect(sim.monitoredDevices()).to.deep.equal(["1001"]);
    expect(sim.requests("SnapshotDevice", "1001")).to.have.length(1);
    expect(sim.requests("GetDoNotDisturb", "1001")).to.have.length(1);
    expect(sim.requests("GetForwarding", "1001")).to.have.length(1);
    expect(tel().provenance).to.include({ source: "cti" });
    hub.app.hub.removeDemand("alice", "console:1");
    await until("MonitorStop", () => sim.monitoredDevices().length === 0);
    expect(tel().status).to.equal("not-requested");
    hub.app.hub.addDemand("alice", "console:1");
    await until("the monitor again", () => sim.monitoredDevices().length === 1);
    await shows("available");
  });

  it("an incoming call: ringing → busy (answered) → busy on hold → busy (retrieved) → available (hung up)", async () => {
    const call = sim.device("1001").incomingCall("+4930123456");
    await shows("ringing");
    expect(tel().detail).to.deep.include({ direction: "inbound", remoteParty: "+4930123456", calls: 1 });
    call.answer();
    await shows("busy");
    expect(tel().detail).to.deep.include({ direction: "inbound", remoteParty: "+4930123456" });
    call.hold();
    await until("the hold note", () => tel().detail.note === "call on hold");
    expect(tel().status).to.equal("busy");
    call.retrieve();
    await until("no hold note", () => tel().detail.note === undefined);
    expect(tel().status).to.equal("busy");
    call.hangup();
    await shows("available");
    expect(tel().detail.calls).to.equal(0);
  });

  it("a ringing call diverted away (DivertedEvent) → available again", async () => {
    const call = sim.device("1001").incomingCall("2000");
    await shows("ringing");
    call.divert("8001");
    await shows("available");
  });

  it("an outgoing call: busy, outbound, to the called number; the other side hangs up → available", async () => {
    const call = sim.device("1001").outgoingCall("3000");
    await until("outbound busy", () => tel().status === "busy" && tel().detail.remoteParty === "3000");
    expect(tel().detail.direction).to.equal("outbound");
    call.answer();
    call.remoteHangup();
    await shows("available");
  });

  it("do-not-disturb on → dnd, off → available", async () => {
    sim.device("1001").setDnd(true);
    await shows("dnd");
    expect(tel().provenance).to.include({ source: "cti" });
    sim.device("1001").setDnd(false);
    await shows("available");
  });

  it("forwarding: to a number → forwarded-number with the target; to the pilot or the own voicemail → forwarded-voicemail; off → available", async () => {
    sim.device("1001").forwardTo("5555");
    await shows("forwarded-number");
    expect(tel().detail.forwardTo).to.equal("5555");
    sim.device("1001").forwardTo("8000");
    await shows("forwarded-voicemail");
    expect(tel().provenance.derivation).to.equal("forward-voicemail-pilot");
    sim.device("1001").forwardTo("8001");
    await until("own voicemail", () => tel().provenance.derivation === "forward-own-voicemail");
    sim.device("1001").setForwarding("forwardBusy", true, "5555");
    sim.device("1001").forwardTo(null);
    await shows("available");
    expect(tel().detail.note).to.equal("forwards on busy to 5555");
    sim.device("1001").setForwarding("forwardBusy", false);
    await until("no note", () => tel().detail.note === undefined);
  });

  it("DND beats forwarding; forwarding beats a busy line", async () => {
    const call = sim.device("1001").incomingCall("2000").answer();
    sim.device("1001").forwardTo("5555");
    await shows("forwarded-number");
    expect(tel().provenance.derivation).to.equal("forward-over-line");
    sim.device("1001").setDnd(true);
    await shows("dnd");
    expect(tel().provenance.derivation).to.equal("dnd-over-forward");
    sim.device("1001").setDnd(false).forwardTo(null);
    await shows("busy");
    call.hangup();
    await shows("available");
  });

  it("a phone out of service → offline; back in service → available", async () => {
    sim.device("1001").outOfService();
    await shows("offline");
    sim.device("1001").backInService();
    await shows("available");
  });

  it("an extension the switch does not know → not-found, with the switch's reason", async () => {
    hub.app.hub.addDemand("dave", "console:1");
    await shows("not-found", "dave");
    expect(tel("dave").detail.reason).to.match(/MonitorStart refused: CSTA error operation\/invalidDeviceID/);
    hub.app.hub.removeDemand("dave", "console:1");
  });

  it("malformed and unknown XML from the switch is logged and skipped; the link and the monitors stay", async () => {
    const connections = sim.connections;
    const before = hub.app.hub.connectorCounters("cti");
    sim.sendRaw("<DeliveredEvent><broken");
    sim.sendRaw('<!DOCTYPE lol [<!ENTITY lol "lol">]><lol>&lol;</lol>');
    sim.sendRaw('<VendorGossip xmlns="urn:vendor"/>');
    sim.sendEvent("1001", "FutureEvent", "<surprise>yes</surprise>");
    sim.device("1001").incomingCall("2000").divert("8000");
    sim.device("1001").setDnd(true);
    await shows("dnd");
    const after = hub.app.hub.connectorCounters("cti");
    expect(after["cti.malformed"]! - before["cti.malformed"]!).to.equal(2);
    expect(after["cti.unknown"]! - before["cti.unknown"]!).to.equal(2);
    expect(sim.connections).to.equal(connections);
    expect(hub.app.hub.connectorInfo("cti").health.status).to.equal("up-and-running");
    sim.device("1001").setDnd(false);
    await shows("available");
  });

  it("CTI beats SIP for the same user; SIP shows again while the CTI link is down", async () => {
    await push(hub.app, "sip", { extension: "1001", telephony: { line: "busy", remoteParty: "sip-call" } });
    expect(tel().status).to.equal("available");
    expect(tel().provenance).to.include({ source: "cti", rule: "cti-over-sip" });
    await sim.stop();
    await until("connection-error", () => hub.app.hub.connectorInfo("cti").health.status === "connection-error");
    await shows("busy");
    expect(tel().provenance).to.include({ source: "sip", rule: "fallback" });
    await sim.start();
    await until("up-and-running", () => hub.app.hub.connectorInfo("cti").health.status === "up-and-running");
    await shows("available");
    expect(tel().provenance).to.include({ source: "cti", rule: "cti-over-sip" });
  });

  it("link drop → connection-error → reconnect → every monitor restored and its snapshot re-read", async () => {
    hub.app.hub.addDemand("bob", "console:1");
    await shows("available", "bob");
    sim.device("1002").setDnd(true);
    await shows("dnd", "bob");
    sim.clearRequests();
    const connections = sim.connections;
    sim.dropConnections();
    await until("connection-error", () => hub.app.hub.connectorInfo("cti").health.status === "connection-error");
    expect(hub.app.hub.connectorInfo("cti").health.detail).to.match(/CTI link lost/);
    // What changes while the link is down is only learnt from the snapshot after the reconnect.
    sim.device("1002").setDnd(false).forwardTo("5555");
    const ring = sim.device("1001").incomingCall("2000");
    // Restored means monitored again with the state re-read: the snapshot queries follow each MonitorStart.
    const restored = (d: string) => ["MonitorStart", "SnapshotDevice", "GetDoNotDisturb", "GetForwarding"].every((r) => sim.requests(r, d).length > 0);
    await until("reconnected", () => hub.app.hub.connectorInfo("cti").health.status === "up-and-running" && restored("1001") && restored("1002"));
    expect(sim.connections).to.equal(connections + 1);
    expect(sim.requests("StartApplicationSession")).to.have.length(1);
    for (const d of ["1001", "1002"]) {
      expect(sim.requests("MonitorStart", d), `MonitorStart ${d}`).to.have.length(1);
      expect(sim.requests("SnapshotDevice", d), `SnapshotDevice ${d}`).to.have.length(1);
      expect(sim.requests("GetDoNotDisturb", d)).to.have.length(1);
      expect(sim.requests("GetForwarding", d)).to.have.length(1);
    }
    await shows("forwarded-number", "bob");
    await shows("ringing");
    ring.answer();
    await shows("busy");
    ring.hangup();
    await shows("available");
    hub.app.hub.removeDemand("bob", "console:1");
  });

  it("a hung switch (keep-alive unanswered) is a connection-error too, and the link comes back", async () => {
    sim.unresponsive = true;
    await until("connection-error", () => hub.app.hub.connectorInfo("cti").health.status === "connection-error");
    expect(hub.app.hub.connectorInfo("cti").health.detail).to.match(/keep-alive/);
    expect(tel().status).to.equal("busy"); // the SIP source stands in
    sim.unresponsive = false;
    await until("up-and-running", () => hub.app.hub.connectorInfo("cti").health.status === "up-and-running");
    await shows("available");
  });

  it("the diagnostics trace shows a user's CTI messages and never the password", () => {
    const mine = hub.app.hub.connectorTrace("cti", { username: "alice" });
    expect(mine.some((e) => e.direction === "out" && e.text.includes("<MonitorStart") && e.text.includes("1001"))).to.equal(true);
    expect(mine.every((e) => !e.text.includes("1002"))).to.equal(true);
    const all = hub.app.hub.connectorTrace("cti");
    expect(all.some((e) => e.text.includes("<StartApplicationSession"))).to.equal(true);
    expect(all.some((e) => e.text.includes("secret-pw-1"))).to.equal(false);
  });

  it("a refused login is 'forbidden'; a connector without server is server-not-configured", async () => {
    await hub.app.hub.saveConnector({ id: "cti-wrong", type: "tapi", enabled: true, position: 5, settings: { server: `127.0.0.1:${PORT}`, user: "hub", password: "wrong", reconnectMinMs: 5000 } });
    await until("forbidden", () => hub.app.hub.connectorInfo("cti-wrong").health.status === "forbidden");
    expect(hub.app.hub.connectorInfo("cti-wrong").health.detail).to.match(/login refused/);
    await hub.app.hub.removeConnector("cti-wrong");
    await hub.app.hub.saveConnector({ id: "cti-empty", type: "tapi", enabled: true, position: 6, settings: {} });
    expect(hub.app.hub.connectorInfo("cti-empty").health).to.deep.include({ status: "server-not-configured" });
    expect(hub.app.hub.connectorInfo("cti-empty").health.detail).to.match(/no server address/);
    await hub.app.hub.removeConnector("cti-empty");
  });
});
