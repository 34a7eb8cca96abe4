import { expect } from "chai";
import type { RunningDemo } from "@presence-hub/scripts/demo";
import { waitFor } from "@presence-hub/core/testing";

/** `presence-hub demo`: ready fast, real SIP and CTI sources up, states changing. */
describe("The demo", function () {
  this.timeout(60_000);
  let demo: RunningDemo;
  let started: number;
  before(async () => {
    const { runDemo } = await import("@presence-hub/scripts/demo");
    started = Date.now();
    demo = await runDemo({ httpPort: 0, tickMs: 100, print: () => {} });
  });
  after(() => demo?.stop());

  it("is ready within 30 seconds with both simulated sources up", async () => {
    expect(Date.now() - started).to.be.below(30_000);
    await waitFor("both connectors up", () => demo.app.hub.connectorInfos().every((c) => c.health.status === "up-and-running"), 10_000);
    await waitFor("every user subscribed (paced)", () => demo.pbx.subscriptions >= demo.people.length * 2, 10_000);
  });

  it("shows changing telephony from the SIP PBX and from the CTI link, and rich presence", async () => {
    const sipUser = demo.people.find((p) => !p.cti)!;
    demo.pbx.setLine(sipUser.extension, "ringing", "sip:+4930123@pstn");
    await waitFor("ringing over SIP", () => demo.app.hub.presence(sipUser.username)!.telephony.status === "ringing");
    const ctiUser = demo.people.find((p) => p.cti)!;
    demo.cti.device(ctiUser.extension).setDnd(true);
    await waitFor("dnd over CTI", () => demo.app.hub.presence(ctiUser.username)!.telephony.status === "dnd");
    expect(demo.app.hub.presence(ctiUser.username)!.telephony.provenance.source).to.equal("cti");
    demo.pbx.setRich(sipUser.username, { basic: "open", activity: "away", note: "Back soon" });
    await waitFor("rich away", () => demo.app.hub.presence(sipUser.username)!.rich.status === "away");
    const seen = new Set<string>();
    await waitFor("the simulation changes states by itself", () => {
      for (const p of demo.people) seen.add(demo.app.hub.presence(p.username)!.telephony.status);
      return seen.size >= 3;
    }, 20_000);
  });

  it("lets the printed operator log in", async () => {
    const res = await fetch(`${demo.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(demo.operator) });
    expect(res.status).to.equal(200);
  });
});
