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

    describe("the explain endpoint", () => {
      let token: string;
      before(async () => {
        token = await hub.token("operator");
      });
      async function explain(username: string) {
        const res = await fetch(`${hub.url}/api/v1/users/${username}/presence/explain`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).to.equal(200);
        return (await res.json()) as { telephony: { rule: string; derivation: string | null; summary: string; sources: { source: string; rank: number; chosen: boolean; usable: boolean; rankedAboveNextBy?: string; at: number | null; report: unknown }[] }; rich: { rule: string; summary: string; sources: { source: string; chosen: boolean }[] } };
      }

      it("lists every source in rank order with its report and time, and says why the winner won (cti-over-sip, dnd-over-forward)", async () => {
        await push(hub.app, "pbx-a", { extension: "1001", telephony: { line: "busy" } });
        await push(hub.app, "cti", { extension: "1001", telephony: { line: "busy", dnd: true, forwardTo: "5555" } });
        const e = await explain("alice");
        expect(e.telephony.sources.map((x) => x.source)).to.deep.equal(["cti", "pbx-a", "pbx-b"]);
        expect(e.telephony.sources[0]).to.include({ chosen: true, usable: true, rankedAboveNextBy: "cti-over-sip" });
        expect(e.telephony.sources[0]!.at).to.be.a("number");
        expect(e.telephony.sources[1]).to.include({ chosen: false, usable: true });
        expect(e.telephony.sources[1]!.report).to.include({ kind: "state", line: "busy" });
        expect(e.telephony).to.include({ rule: "cti-over-sip", derivation: "dnd-over-forward" });
        expect(e.telephony.summary).to.equal("dnd from cti: a CTI link beats presence servers; do-not-disturb beats the forward");
      });

      it("explains a fallback, a voicemail classification and the preferred server", async () => {
        await push(hub.app, "cti", { extension: "1001", telephony: { error: "error", reason: "link down" } });
        let e = await explain("alice");
        expect(e.telephony).to.include({ rule: "fallback" });
        expect(e.telephony.summary).to.equal("busy from pbx-a: better-ranked sources have nothing usable");
        await push(hub.app, "cti", { extension: "1001", telephony: { line: "available", forwardTo: "9000" } });
        e = await explain("alice");
        expect(e.telephony).to.include({ derivation: "forward-voicemail-pilot" });
        await hub.app.settings.set("presence.preferredServer", "pbx-b");
        await push(hub.app, "pbx-b", { sipUri: "sip:alice@pbx.example", rich: { status: "dnd" } });
        e = await explain("alice");
        expect(e.rich).to.include({ rule: "preferred-server" });
        expect(e.rich.summary).to.equal("dnd from pbx-b: it is the preferred server");
        await hub.app.settings.set("presence.preferredServer", null);
      });

      it("names every other rule in words: only-source, top-source, configured-order, fallback-order, forward-own-voicemail, forward-over-line", async () => {
        const cases: [() => Promise<unknown>, "telephony" | "rich", string, string][] = [
          [() => push(hub.app, "pbx-a", { extension: "1002", telephony: { line: "ringing" } }), "telephony", "bob", "ringing from pbx-a: better-ranked sources have nothing usable"],
          [() => push(hub.app, "cti", { extension: "1002", telephony: { line: "busy", forwardTo: "8002" } }), "telephony", "bob", "forwarded-voicemail from cti: a CTI link beats presence servers; the forward goes to the user's own voicemail"],
          [() => push(hub.app, "cti", { extension: "1002", telephony: { line: "busy", forwardTo: "4711" } }), "telephony", "bob", "forwarded-number from cti: a CTI link beats presence servers; the forward beats the line state"],
          [() => push(hub.app, "pbx-a", { sipUri: "sip:bob@pbx.example", rich: { error: "not-found", reason: "404" } }), "rich", "bob", "not-found from pbx-a: no source has a state; the best-ranked one's answer is shown"],
          [() => push(hub.app, "pbx-b", { sipUri: "sip:bob@pbx.example", rich: { status: "away" } }), "rich", "bob", "away from pbx-b: better-ranked sources have nothing usable"],
          [() => push(hub.app, "pbx-a", { sipUri: "sip:bob@pbx.example", rich: { status: "busy" } }), "rich", "bob", "busy from pbx-a: it comes first in the configured connector order"],
          [() => hub.app.settings.set("presence.fallbackOrder", ["pbx-b"]), "rich", "bob", "away from pbx-b: it comes first in the fallback order"],
        ];
        for (const [act, field, user, summary] of cases) {
          await act();
          expect((await explain(user))[field].summary).to.equal(summary);
        }
        await hub.app.settings.set("presence.fallbackOrder", []);
        await push(hub.app, "pbx-b", { sipUri: "sip:bob@pbx.example", rich: { cleared: true } });
        await push(hub.app, "pbx-a", { sipUri: "sip:bob@pbx.example", rich: { cleared: true } });
        expect((await explain("bob")).rich.summary).to.equal("requesting: requests are out, no answer yet");
      });

      it("explains service statuses and answers 404 for an unknown user", async () => {
        const e = await explain("carol");
        expect(e.rich.summary).to.equal("user-not-configured: the user lacks the key for this kind of presence");
        const res = await fetch(`${hub.url}/api/v1/users/nobody/presence/explain`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).to.equal(404);
      });

      it("lets an admin switch the preferred server over the API, applied at once; operators may not", async () => {
        const admin = await hub.token("admin");
        const put = (t: string, value: unknown) =>
          fetch(`${hub.url}/api/v1/settings/presence.preferredServer`, { method: "PUT", headers: { authorization: `Bearer ${t}`, "content-type": "application/json" }, body: JSON.stringify({ value }) });
        expect((await put(token, "pbx-b")).status).to.equal(403);
        expect((await put(admin, "pbx-b")).status).to.equal(200);
        expect(rich().provenance.source).to.equal("pbx-b");
        expect((await put(admin, "pbx-a")).status).to.equal(200);
        expect(rich().provenance.source).to.equal("pbx-a");
        const bad = await fetch(`${hub.url}/api/v1/settings/telephony.voicemailPilot`, { method: "PUT", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ value: "eight thousand" }) });
        expect(bad.status).to.equal(400);
        expect(JSON.stringify(await bad.json())).to.contain("telephony.voicemailPilot");
        await put(admin, null);
      });
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
