import { expect } from "chai";
import { startTestHub } from "@presence-hub/core/testing";
import { push, pushConnector, watched } from "./support/http-push-client.js";

/** What the hub knew survives a restart, on both stores; watches are re-established by themselves. */
for (const store of ["sqlite", "pg"] as const) {
  describe(`Restart (${store})`, () => {
    it("restores users, connectors (secrets included), settings and last known presence; re-watches", async () => {
      const config = {
        presence: { monitorAll: true },
        connectors: [pushConnector("feed", { sourceClass: "cti" })],
        users: [{ username: "alice", firstExtension: "1001", sipUri: "sip:alice@pbx.example" }],
      };
      const first = await startTestHub({ store, config });
      await push(first.app, "feed", { extension: "1001", telephony: { line: "busy" }, sipUri: "sip:alice@pbx.example", rich: { status: "away", message: "Lunch" } });
      await first.app.settings.set("telephony.voicemailPilot", "8000");
      await first.app.hub.saveUser({ username: "bob", firstExtension: "1002" });
      const before = first.app.hub.presence("alice")!;
      await first.stop({ keep: true });

      const second = await startTestHub({ store, config, dir: first.dir, pgSchema: first.pgSchema ?? undefined });
      try {
        const after = second.app.hub.presence("alice")!;
        expect(after.telephony).to.deep.include({ status: "busy", since: before.telephony.since });
        expect(after.rich).to.include({ status: "away", message: "Lunch" });
        expect(second.app.hub.user("bob")).to.include({ firstExtension: "1002" });
        expect(second.app.settings.get("telephony.voicemailPilot")).to.equal("8000");
        expect(await watched(second.app, "feed")).to.deep.equal(["rich:sip:alice@pbx.example", "telephony:1001", "telephony:1002"]);
        await push(second.app, "feed", { extension: "1001", telephony: { line: "available" } });
        expect(second.app.hub.presence("alice")!.telephony.status).to.equal("available");
      } finally {
        await second.stop();
        if (first.pgSchema) {
          const { dropSchema } = await import("@presence-hub/core/testing");
          await dropSchema(first.pgSchema);
        }
      }
    });
  });
}
