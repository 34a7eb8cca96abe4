import { expect } from "chai";
import { startTestHub, waitFor } from "@presence-hub/core/testing";
import { pushConnector } from "./support/http-push-client.js";

/** Removing a connector leaves no preference pointing at it. */
describe("Removing a connector", () => {
  it("drops it from the preferred server(s) and the fallback order", async () => {
    const hub = await startTestHub({ config: { connectors: [pushConnector("a"), pushConnector("b")] } });
    try {
      const s = hub.app.settings;
      await s.set("presence.preferredServer", "b");
      await s.set("presence.preferredRichServer", "b");
      await s.set("presence.fallbackOrder", ["b", "a"]);
      await hub.app.hub.removeConnector("b");
      expect(s.get("presence.preferredServer")).to.equal(null);
      await waitFor("plugin settings cleaned", () => s.get("presence.preferredRichServer") === null && (s.get("presence.fallbackOrder") as string[]).join() === "a", 2000);
    } finally {
      await hub.stop();
    }
  });
});
