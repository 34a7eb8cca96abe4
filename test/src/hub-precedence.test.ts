import { expect } from "chai";
import { startTestHub, type TestHub } from "@presence-hub/core/testing";
import type { RichState, TelephonyState } from "@presence-hub/core";
import { captureEvents } from "./support/event-capture.js";
import { push, pushConnector } from "./support/http-push-client.js";

/**
 * Every precedence rule of DESIGN §2, end to end through the hub: an external system pushes
 * observations to real http-push connectors (real sockets) → the aggregated state and its
 * provenance reach the store → a notifier on the bus receives the change.
 */
for (const store of ["sqlite", "pg"] as const) {
  describe(`Precedence rules end to end (${store})`, function () {
    let hub: TestHub;
    let capture: ReturnType<typeof captureEvents>;

    before(async () => {
      hub = await startTestHub({
        store,
        config: {
          presence: { monitorAll: true },
          telephony: { voicemailPilot: "8000" },
          connectors: [
            pushConnector("pbx-a", { sourceClass: "presence-server" }),
            pushConnector("pbx-b", { sourceClass: "presence-server" }),
            pushConnector("cti", { sourceClass: "cti", fields: ["telephony"] }),
          ],
          users: [
            { username: "alice", displayName: "Alice", firstExtension: "1001", sipUri: "sip:alice@pbx.example", voicemailNumber: "8001" },
            { username: "bob", displayName: "Bob", firstExtension: "1002", sipUri: "sip:bob@pbx.example", voicemailNumber: "8002" },
          ],
        },
      });
      capture = captureEvents(hub.app);
    });
    after(() => hub?.stop());

    const tel = (u = "alice") => hub.app.hub.presence(u)!.telephony as TelephonyState;
    const rich = (u = "alice") => hub.app.hub.presence(u)!.rich as RichState;
    async function stored(username: string, field: "telephony" | "rich") {
      await hub.app.hub.flush();
      return (await hub.app.store.presence.loadStates()).find((r) => r.username === username && r.field === field)!.state;
    }

    it("starts with every watched user requesting", () => {
      expect(tel().status).to.equal("requesting");
      expect(rich().status).to.equal("requesting");
    });

    it("CTI beats SIP when both report; the provenance says so, in the store and on the bus", async () => {
      expect((await push(hub.app, "pbx-a", { extension: "1001", telephony: { line: "busy", remoteParty: "200" } })).status).to.equal(202);
      expect(tel()).to.deep.include({ status: "busy" });
      expect(tel().provenance).to.include({ source: "pbx-a", rule: "fallback" }); // the CTI source has no answer yet
      capture.clear();
      await push(hub.app, "cti", { extension: "1001", telephony: { line: "available" } });
      expect(tel().status).to.equal("available");
      expect(tel().provenance).to.include({ source: "cti", rule: "cti-over-sip" });
      expect((await stored("alice", "telephony")).provenance).to.include({ source: "cti", rule: "cti-over-sip" });
      const events = capture.presence("alice");
      expect(events).to.have.length(1);
      expect(events[0]!.state.status).to.equal("available");
    });

    it("SIP shows again when the CTI source has nothing usable (error)", async () => {
      await push(hub.app, "cti", { extension: "1001", telephony: { error: "error", reason: "monitor failed" } });
      expect(tel().status).to.equal("busy");
      expect(tel().provenance).to.include({ source: "pbx-a", rule: "fallback" });
    });

    it("dnd beats forwarding, forwarding beats the line state", async () => {
      await push(hub.app, "cti", { extension: "1001", telephony: { line: "busy", dnd: true, forwardTo: "5555" } });
      expect(tel().status).to.equal("dnd");
      expect(tel().provenance.derivation).to.equal("dnd-over-forward");
      await push(hub.app, "cti", { extension: "1001", telephony: { line: "busy", forwardTo: "5555" } });
      expect(tel()).to.deep.include({ status: "forwarded-number" });
      expect(tel().detail.forwardTo).to.equal("5555");
      expect(tel().provenance.derivation).to.equal("forward-over-line");
    });

    it("a forward to the pilot or to the user's own voicemail is forwarded-voicemail; to another user's, forwarded-number", async () => {
      await push(hub.app, "cti", { extension: "1001", telephony: { line: "available", forwardTo: "sip:8000@pbx.example" } });
      expect(tel().status).to.equal("forwarded-voicemail");
      expect(tel().provenance.derivation).to.equal("forward-voicemail-pilot");
      await push(hub.app, "cti", { extension: "1001", telephony: { line: "available", forwardTo: "tel:+80 01" } });
      expect(tel().status).to.equal("forwarded-voicemail");
      expect(tel().provenance.derivation).to.equal("forward-own-voicemail");
      await push(hub.app, "cti", { extension: "1001", telephony: { line: "available", forwardTo: "8002" } });
      expect(tel().status).to.equal("forwarded-number");
    });

    it("changing the pilot or a user's voicemail number re-evaluates at once, no restart", async () => {
      expect(tel().status).to.equal("forwarded-number"); // forwarded to 8002 (bob's voicemail)
      await hub.app.hub.saveUser({ ...hub.app.hub.user("alice")!, voicemailNumber: "8002" });
      expect(tel().status).to.equal("forwarded-voicemail");
      await push(hub.app, "cti", { extension: "1001", telephony: { line: "available", forwardTo: "9000" } });
      expect(tel().status).to.equal("forwarded-number");
      capture.clear();
      await hub.app.settings.set("telephony.voicemailPilot", "9000");
      expect(tel().status).to.equal("forwarded-voicemail");
      expect(capture.presence("alice").map((e) => e.state.status)).to.deep.equal(["forwarded-voicemail"]);
    });

    it("the preferred server wins a conflict; switching the preference flips the state at once", async () => {
      await push(hub.app, "pbx-a", { sipUri: "sip:alice@pbx.example", rich: { status: "away", message: "Lunch" } });
      await push(hub.app, "pbx-b", { sipUri: "sip:alice@pbx.example", rich: { status: "busy", message: "In a meeting" } });
      expect(rich()).to.include({ status: "away", message: "Lunch" }); // no preference: configured order
      expect(rich().provenance).to.include({ source: "pbx-a", rule: "configured-order" });
      await hub.app.settings.set("presence.preferredServer", "pbx-b");
      expect(rich()).to.include({ status: "busy", message: "In a meeting" });
      expect(rich().provenance).to.include({ source: "pbx-b", rule: "preferred-server" });
      expect((await stored("alice", "rich")).provenance).to.include({ source: "pbx-b" });
    });

    it("when the preferred server has nothing, the next in order shows; it takes over again when it reports", async () => {
      await push(hub.app, "pbx-b", { sipUri: "sip:alice@pbx.example", rich: { error: "not-found", reason: "404 Not Found" } });
      expect(rich()).to.include({ status: "away" });
      expect(rich().provenance).to.include({ source: "pbx-a", rule: "fallback" });
      await push(hub.app, "pbx-b", { sipUri: "sip:alice@pbx.example", rich: { status: "available" } });
      expect(rich().status).to.equal("available");
      expect(rich().provenance.source).to.equal("pbx-b");
    });

    it("the fallback order and a per-field preference are settings too", async () => {
      await hub.app.settings.set("presence.preferredServer", null);
      await hub.app.settings.set("presence.fallbackOrder", ["pbx-b", "pbx-a"]);
      expect(rich().provenance).to.include({ source: "pbx-b", rule: "fallback-order" });
      await hub.app.settings.set("presence.preferredRichServer", "pbx-a");
      expect(rich().provenance).to.include({ source: "pbx-a", rule: "preferred-server" });
      await hub.app.settings.set("presence.preferredRichServer", null);
      await hub.app.settings.set("presence.fallbackOrder", []);
    });

    it("users without a key show user-not-configured for that field", async () => {
      await hub.app.hub.saveUser({ username: "carol", displayName: "Carol", firstExtension: "1003", sipUri: null, voicemailNumber: null });
      expect(rich("carol")).to.include({ status: "user-not-configured" });
      expect(rich("carol").reason).to.match(/User not configured or not enabled for this type of presence/);
      expect(tel("carol").status).to.equal("requesting");
    });

    it("a push for an unknown key is accepted but changes nobody; a bad push gets a 400 naming the field", async () => {
      const before = JSON.stringify(hub.app.hub.presence("alice"));
      expect((await push(hub.app, "pbx-a", { extension: "7777", telephony: { line: "busy" } })).body).to.include({ accepted: 1, unwatched: 1 });
      expect(JSON.stringify(hub.app.hub.presence("alice"))).to.equal(before);
      const bad = await push(hub.app, "pbx-a", { extension: "1001", telephony: { line: "sleeping" } });
      expect(bad.status).to.equal(400);
      expect(JSON.stringify(bad.body)).to.contain("telephony");
      expect((await push(hub.app, "pbx-a", "{not json")).status).to.equal(400);
      expect((await push(hub.app, "pbx-a", { extension: "1001", telephony: { line: "busy" } }, "wrong-token-000000000")).status).to.equal(401);
    });
  });
}
