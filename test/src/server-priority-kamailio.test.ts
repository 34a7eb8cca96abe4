import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RichState } from "@presence-hub/core";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { KAMAILIO_ACCOUNTS, kamailioAvailable, startKamailio, type KamailioInstance } from "./support/kamailio.js";
import { PresencePublisher } from "./support/sipp.js";

/**
 * Two non-federated presence servers (two real Kamailio instances) publishing conflicting rich
 * presence for the same user: the preferred one wins, the other stands in while it is down, the
 * preference comes back with it, and switching the preference over the API flips the state at
 * once. Ports 25600-25629.
 */
describe("Preferred presence server with two real Kamailio servers", function () {
  this.timeout(120_000);
  const tmp = mkdtempSync(path.join(tmpdir(), "ph-prio-"));
  let kamA: KamailioInstance;
  let kamB: KamailioInstance;
  let hub: TestHub;

  const connector = (id: string, port: number) => ({ id, type: "sip-simple", server: `127.0.0.1:${port}`, uri: "hub@127.0.0.1", authId: "hub", password: "secret", t1Ms: 100, healthCheckSeconds: 5 });
  const rich = () => hub.app.hub.presence("alice")!.rich as RichState;

  before(async () => {
    kamailioAvailable();
    [kamA, kamB] = await Promise.all([
      startKamailio({ ports: { udp: 25600 }, tls: false, parentDir: tmp }),
      startKamailio({ ports: { udp: 25610 }, tls: false, parentDir: tmp }),
    ]);
    hub = await startTestHub({
      config: {
        presence: { monitorAll: true, preferredServer: "kam-a" },
        connectors: [connector("kam-b", 25610), connector("kam-a", 25600)],
        users: [{ username: "alice", sipUri: "sip:alice@127.0.0.1" }],
      },
    });
    const onA = new PresencePublisher({ server: kamA, localPort: 25620, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
    const onB = new PresencePublisher({ server: kamB, localPort: 25621, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
    await onA.publish("away", { note: "said server A" });
    await onB.publish("busy", { note: "said server B" });
  });
  after(async () => {
    await hub?.stop();
    await Promise.all([kamA?.dispose(), kamB?.dispose()]);
  });

  it("shows the preferred server's state when both report", async () => {
    await waitFor("A's state", () => rich().message === "said server A" && rich().provenance.rule === "preferred-server");
    expect(rich()).to.include({ status: "away" });
  });

  it("shows the other server's state while the preferred one is down", async () => {
    const started = Date.now();
    await kamA.stop();
    await waitFor("B's state as a fallback", () => rich().message === "said server B", 30_000);
    expect(rich().provenance).to.include({ source: "kam-b", rule: "fallback" });
    expect(Date.now() - started).to.be.below(20_000);
    expect(hub.app.hub.connectorInfo("kam-a").health.status).to.equal("connection-error");
  });

  it("restores the preference when the preferred server is back", async () => {
    await kamA.restart();
    await waitFor("A's state again", () => rich().message === "said server A", 30_000);
    expect(rich().provenance).to.include({ source: "kam-a", rule: "preferred-server" });
  });

  it("switching the preference through the API flips the shown state at once", async () => {
    const admin = await hub.token("admin");
    const res = await fetch(`${hub.url}/api/v1/settings/presence.preferredServer`, {
      method: "PUT",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ value: "kam-b" }),
    });
    expect(res.status).to.equal(200);
    expect(rich()).to.include({ message: "said server B" });
    expect(rich().provenance).to.include({ source: "kam-b", rule: "preferred-server" });
  });
});
