import { expect } from "chai";
import { systemClock, type ConnectorContext, type ConnectorStatus, type Logger, type Observation, type TelephonyReport, type WatchTarget } from "@presence-hub/core";
import { CtiSimulator } from "./simulator/cti-simulator.js";
import { TapiConnector } from "./tapi-connector.js";
import { TapiSettings } from "./tapi-settings.js";
import { waitFor } from "@presence-hub/core/testing";

/**
 * Connector behaviour the end-to-end test does not reach easily, against the simulator over
 * TCP (ports 25592-25597) with a recording sink instead of a hub.
 */

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

function harness(port: number, extra: Partial<TapiSettings> = {}) {
  const observations: Observation[] = [];
  const statuses: { status: ConnectorStatus; detail?: string }[] = [];
  const settings = { ...defaults(), server: `127.0.0.1:${port}`, monitorTimeoutMs: 1000, keepAliveSeconds: 0, reconnectMinMs: 100, reconnectMaxMs: 400, ...extra } as TapiSettings;
  const ctx: ConnectorContext<TapiSettings> = {
    id: "cti",
    settings,
    sink: { observe: (o) => void observations.push(o), status: (status, detail) => void statuses.push({ status, detail }) },
    logger: silent,
    clock: systemClock,
  };
  const connector = new TapiConnector(ctx);
  const reports = (ext: string) => observations.filter((o) => o.userKey.value === ext).map((o) => o.report as TelephonyReport);
  const last = (ext: string) => reports(ext).at(-1);
  return { connector, observations, statuses, reports, last };
}

/** Defaults as the schema fills them in. */
function defaults(): Partial<TapiSettings> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(TapiSettings.properties)) if ("default" in v) out[k] = (v as { default: unknown }).default;
  return out as Partial<TapiSettings>;
}

const target = (ext: string, username = `u${ext}`): WatchTarget => ({ field: "telephony", key: { by: "extension", value: ext }, username });

describe("TapiConnector (against the simulator)", function () {
  this.timeout(10_000);
  let sim: CtiSimulator;
  let h: ReturnType<typeof harness>;

  afterEach(async () => {
    await h?.connector.stop();
    await sim?.stop();
  });

  it("reports nothing before the snapshot is in, then the whole state at once", async () => {
    sim = new CtiSimulator({ port: 25592 });
    await sim.start();
    sim.device("1001").setDnd(true).forwardTo("8000");
    h = harness(25592);
    await h.connector.start();
    h.connector.watch(target("1001"));
    await waitFor("a report", () => h.reports("1001").length > 0);
    expect(h.reports("1001")).to.have.length(1);
    expect(h.last("1001")).to.deep.include({ kind: "state", line: "available", dnd: true, forwardTo: "8000" });
    expect(h.statuses.map((s) => s.status)).to.deep.equal(["connection-error", "up-and-running"]);
  });

  it("unwatching while MonitorStart is in flight stops the monitor once it is granted", async () => {
    sim = new CtiSimulator({ port: 25593 });
    await sim.start();
    h = harness(25593);
    await h.connector.start();
    await waitFor("connected", () => h.statuses.at(-1)?.status === "up-and-running");
    sim.responseDelayMs = 100;
    h.connector.watch(target("1001"));
    await sim.waitForRequest("MonitorStart");
    h.connector.unwatch(target("1001"));
    await sim.waitForRequest("MonitorStop");
    await waitFor("no monitor", () => sim.monitoredDevices().length === 0);
    expect(sim.requests("SnapshotDevice")).to.have.length(0);
    expect(h.reports("1001")).to.deep.equal([]);
  });

  it("starts at most parallelMonitors monitors at once after a connect", async () => {
    sim = new CtiSimulator({ port: 25594 });
    await sim.start();
    sim.responseDelayMs = 20;
    h = harness(25594, { parallelMonitors: 1 });
    for (const ext of ["1001", "1002", "1003"]) h.connector.watch(target(ext));
    await h.connector.start();
    await waitFor("three users reported", () => ["1001", "1002", "1003"].every((e) => h.reports(e).some((r) => r.kind === "state")));
    const order = sim.requests().filter((r) => r.name === "MonitorStart" || r.name === "SnapshotDevice").map((r) => `${r.name}:${r.device}`);
    expect(order).to.deep.equal(["MonitorStart:1001", "SnapshotDevice:1001", "MonitorStart:1002", "SnapshotDevice:1002", "MonitorStart:1003", "SnapshotDevice:1003"]);
  });

  it("a monitor the switch ends is started again; messagesLost re-reads every device", async () => {
    sim = new CtiSimulator({ port: 25595 });
    await sim.start();
    h = harness(25595);
    await h.connector.start();
    h.connector.watch(target("1001"));
    await waitFor("monitored", () => h.last("1001")?.kind === "state");
    sim.endMonitors("1001");
    await waitFor("requesting", () => h.last("1001")?.kind === "requesting");
    await waitFor("monitored again", () => sim.monitoredDevices().length === 1 && h.last("1001")?.kind === "state");
    expect(sim.requests("MonitorStart", "1001")).to.have.length(2);
    sim.clearRequests();
    sim.sendSystemStatus("messagesLost");
    await sim.waitForRequest("SnapshotDevice", { device: "1001" });
    expect(sim.requests("MonitorStart")).to.have.length(0);
  });

  it("once a connection attempt failed, new watchers report error; they recover with the link", async () => {
    sim = new CtiSimulator({ port: 25596 });
    h = harness(25596);
    await h.connector.start();
    await waitFor("connection-error", () => h.statuses.some((s) => s.status === "connection-error" && /cannot connect/.test(s.detail ?? "")));
    h.connector.watch(target("1001"));
    expect(h.last("1001")).to.deep.include({ kind: "error", status: "error" });
    await sim.start();
    await waitFor("recovered", () => h.last("1001")?.kind === "state");
    expect(h.statuses.at(-1)!.status).to.equal("up-and-running");
    expect(h.reports("1001").map((r) => r.kind)).to.deep.equal(["error", "requesting", "state"]);
  });

  it("reports carry strictly increasing times, so a burst of events within one millisecond keeps every detail", async () => {
    sim = new CtiSimulator({ port: 25597 });
    await sim.start();
    h = harness(25597);
    await h.connector.start();
    h.connector.watch(target("1001"));
    await waitFor("monitored", () => h.last("1001")?.kind === "state");
    sim.device("1001").outgoingCall("3000");
    await waitFor("the called party", () => h.last("1001")?.kind === "state" && (h.last("1001") as { detail?: { remoteParty?: string } }).detail?.remoteParty === "3000");
    const times = h.observations.map((o) => o.at);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).to.equal(true);
  });
});
