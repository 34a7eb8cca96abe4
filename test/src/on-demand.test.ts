import { expect } from "chai";
import { ManualClock, startTestHub, type TestHub } from "@presence-hub/core/testing";
import { push, pushConnector, watched } from "./support/http-push-client.js";

/**
 * On-demand subscriptions (DESIGN §2): a user is watched while someone wants them and released
 * when nobody does; the diagnostics action watches for one minute (controllable clock).
 */
describe("On-demand subscriptions", () => {
  let hub: TestHub;
  const clock = new ManualClock();

  before(async () => {
    hub = await startTestHub({
      clock,
      config: {
        connectors: [pushConnector("pbx", { sourceClass: "presence-server" }), pushConnector("tel-only", { fields: ["telephony"], enabled: false })],
        users: [
          { username: "alice", firstExtension: "1001", sipUri: "sip:alice@pbx.example" },
          { username: "bob", firstExtension: "1002", sipUri: "sip:bob@pbx.example" },
          { username: "nokeys" },
        ],
      },
    });
  });
  after(() => hub?.stop());

  const status = (u: string, f: "telephony" | "rich") => hub.app.hub.presence(u)![f].status;

  it("nobody watches anyone at first: not-requested, nothing asked of the connector", async () => {
    expect(status("alice", "telephony")).to.equal("not-requested");
    expect(status("alice", "rich")).to.equal("not-requested");
    expect(await watched(hub.app, "pbx")).to.deep.equal([]);
  });

  it("a console watching a user makes the connector watch both of the user's keys, then states arrive", async () => {
    hub.app.hub.addDemand("alice", "console:1");
    expect(await watched(hub.app, "pbx")).to.deep.equal(["rich:sip:alice@pbx.example", "telephony:1001"]);
    expect(status("alice", "telephony")).to.equal("requesting");
    await push(hub.app, "pbx", { extension: "1001", telephony: { line: "ringing" } });
    expect(status("alice", "telephony")).to.equal("ringing");
  });

  it("a second watcher changes nothing; the last one leaving releases the subscription", async () => {
    hub.app.hub.addDemand("alice", "console:2");
    hub.app.hub.removeDemand("alice", "console:1");
    expect(await watched(hub.app, "pbx")).to.have.length(2);
    hub.app.hub.removeDemand("alice", "console:2");
    expect(await watched(hub.app, "pbx")).to.deep.equal([]);
    expect(status("alice", "telephony")).to.equal("not-requested");
    expect((await push(hub.app, "pbx", { extension: "1001", telephony: { line: "busy" } })).body).to.include({ unwatched: 1 });
    expect(status("alice", "telephony")).to.equal("not-requested");
  });

  it("the diagnostics subscription ends by itself after one minute", async () => {
    const { until } = hub.app.hub.requestDiagnostics("bob");
    expect(until).to.equal(clock.now() + 60_000);
    expect(await watched(hub.app, "pbx")).to.deep.equal(["rich:sip:bob@pbx.example", "telephony:1002"]);
    clock.advance(59_999);
    expect(await watched(hub.app, "pbx")).to.have.length(2);
    clock.advance(1);
    expect(await watched(hub.app, "pbx")).to.deep.equal([]);
    expect(status("bob", "rich")).to.equal("not-requested");
  });

  it("repeating the diagnostics action renews the minute; a console keeps the user after it", async () => {
    hub.app.hub.requestDiagnostics("bob");
    clock.advance(40_000);
    hub.app.hub.requestDiagnostics("bob");
    clock.advance(40_000);
    expect(await watched(hub.app, "pbx")).to.have.length(2);
    hub.app.hub.addDemand("bob", "console:9");
    clock.advance(60_000);
    expect(await watched(hub.app, "pbx")).to.have.length(2);
    hub.app.hub.removeDemand("bob", "console:9");
    expect(await watched(hub.app, "pbx")).to.deep.equal([]);
  });

  it("a user without keys shows user-not-configured even when watched; a field no connector serves shows server-not-configured", async () => {
    hub.app.hub.addDemand("nokeys", "console:1");
    expect(status("nokeys", "telephony")).to.equal("user-not-configured");
    await hub.app.hub.saveConnector({ id: "pbx", type: "http-push", enabled: true, position: 0, settings: { listen: "127.0.0.1:0", fields: ["telephony"], sourceClass: "presence-server" } });
    hub.app.hub.addDemand("alice", "console:1");
    expect(status("alice", "rich")).to.equal("server-not-configured");
    expect(status("alice", "telephony")).to.equal("requesting");
    expect(await watched(hub.app, "pbx")).to.deep.equal(["telephony:1001"]);
    hub.app.hub.removeDemand("alice", "console:1");
    hub.app.hub.removeDemand("nokeys", "console:1");
  });

  it("editing a watched user's extension moves the subscription to the new key", async () => {
    hub.app.hub.addDemand("alice", "console:1");
    await hub.app.hub.saveUser({ ...hub.app.hub.user("alice")!, firstExtension: "2001" });
    expect(await watched(hub.app, "pbx")).to.deep.equal(["telephony:2001"]);
    hub.app.hub.removeDemand("alice", "console:1");
  });

  it("'monitor everyone' watches every user, including ones added later", async () => {
    await hub.app.settings.set("presence.monitorAll", true);
    expect(await watched(hub.app, "pbx")).to.deep.equal(["telephony:1002", "telephony:2001"]);
    await hub.app.hub.saveUser({ username: "dave", firstExtension: "1004" });
    expect(await watched(hub.app, "pbx")).to.include("telephony:1004");
    await hub.app.settings.set("presence.monitorAll", false);
    expect(await watched(hub.app, "pbx")).to.deep.equal([]);
  });

  it("stopping a connector turns its users to error; starting it again re-watches them", async () => {
    hub.app.hub.addDemand("bob", "console:1");
    await push(hub.app, "pbx", { extension: "1002", telephony: { line: "busy" } });
    expect(status("bob", "telephony")).to.equal("busy");
    await hub.app.services.stop("connector:pbx");
    expect(status("bob", "telephony")).to.equal("error");
    expect(hub.app.hub.connectorInfo("pbx").health.status).to.equal("disabled");
    await hub.app.services.start("connector:pbx");
    expect(await watched(hub.app, "pbx")).to.deep.equal(["telephony:1002"]);
    expect(status("bob", "telephony")).to.equal("requesting");
    expect(hub.app.hub.connectorInfo("pbx").health.status).to.equal("up-and-running");
  });

  it("stopping the hub service stops every connector; starting it restores watches", async () => {
    await hub.app.services.stop("hub");
    expect(hub.app.services.get("connector:pbx").state).to.equal("stopped");
    expect(status("bob", "telephony")).to.equal("error");
    expect((await hub.app.services.start("connector:pbx")).state).to.equal("failed"); // the hub must run first
    await hub.app.services.start("hub");
    expect(await watched(hub.app, "pbx")).to.deep.equal(["telephony:1002"]);
  });

  it("a disabled connector is neither started nor asked; its status says so", async () => {
    expect(hub.app.hub.connectorInfo("tel-only").health).to.include({ status: "disabled" });
    expect(hub.app.services.get("connector:tel-only").state).to.equal("stopped");
  });
});
