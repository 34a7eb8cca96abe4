import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TelephonyState } from "@presence-hub/core";
import { startTestHub, waitFor } from "@presence-hub/core/testing";
import { sippAvailable, startSipp } from "./support/sipp-process.js";

/**
 * A PBX that has no dialog package for extensions (Asterisk hints over presence) answers 489 to
 * `Event: dialog`: the connector falls back to `Event: presence` and reads the line state from
 * the PIDF note ("On the phone" → busy). SIPp plays the PBX; port 25390.
 */
describe("sip-simple falls back from Event: dialog to presence on 489", function () {
  this.timeout(40_000);
  before(() => sippAvailable());

  it("subscribes again with Event: presence and shows the line state from the PIDF note", async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "ph-489-"));
    const sipp = await startSipp({ scenario: "uas-489.xml", name: "uas-489", traceDir: tmp, localPort: 25390, transport: "udp", maxCalls: 3, timeoutMs: 30_000 });
    const hub = await startTestHub({
      config: {
        presence: { monitorAll: true },
        connectors: [{ id: "pbx", type: "sip-simple", server: "127.0.0.1:25390", uri: "hub@127.0.0.1", domain: "127.0.0.1", t1Ms: 100, healthCheckSeconds: 3600 }],
        users: [{ username: "desk", displayName: "Desk", firstExtension: "1001" }],
      },
    });
    try {
      const tel = () => hub.app.hub.presence("desk")!.telephony as TelephonyState;
      await waitFor("busy from the PIDF note", () => tel().status === "busy", 10_000);
      expect(tel().detail.note).to.equal("On the phone");
      const subscribes = hub.app.hub.connectorTrace("pbx").filter((t) => t.direction === "out" && t.text.startsWith("SUBSCRIBE sip:1001@127.0.0.1 "));
      const events = subscribes.map((t) => /^Event: (\S+)/m.exec(t.text)?.[1]);
      expect(events.slice(0, 2)).to.deep.equal(["dialog", "presence"]);
    } finally {
      await hub.stop();
      await Promise.race([sipp.result(), new Promise((r) => setTimeout(r, 3_000))]);
      if (!sipp.finishedYet) await sipp.stop();
    }
    expect((await sipp.finished()).exitCode, "SIPp completed every call it expected").to.equal(0);
  });
});
