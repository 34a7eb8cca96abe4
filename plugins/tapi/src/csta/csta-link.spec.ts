import { expect } from "chai";
import { systemClock, type Logger } from "@presence-hub/core";
import type { CtiLinkDelegate } from "../link/cti-link.js";
import type { DeviceEvent, SnapshotPart } from "../link/device-event.js";
import { DeviceRequestError, LinkOpenError } from "../link/link-errors.js";
import { CtiSimulator } from "../simulator/cti-simulator.js";
import type { CstaFraming } from "./csta-framing.js";
import { CstaLink, type CstaLinkOptions } from "./csta-link.js";
import { cstaNamespace } from "./csta-namespaces.js";
import { waitFor } from "@presence-hub/core/testing";

/** The link against the simulator over real TCP (ports 25580-25599). */

interface Recorder extends CtiLinkDelegate {
  readonly events: { device: string; event: DeviceEvent }[];
  readonly downs: string[];
  readonly resyncs: string[];
  readonly ended: string[];
}

function recorder(): Recorder {
  const r = {
    events: [] as { device: string; event: DeviceEvent }[],
    downs: [] as string[],
    resyncs: [] as string[],
    ended: [] as string[],
    onDeviceEvent: (device: string, event: DeviceEvent) => void r.events.push({ device, event }),
    onMonitorEnded: (device: string) => void r.ended.push(device),
    onResync: (reason: string) => void r.resyncs.push(reason),
    onDown: (reason: string) => void r.downs.push(reason),
  };
  return r;
}

const logs: string[] = [];
const logger: Logger = {
  trace: () => {},
  debug: () => {},
  info: (a: object | string, b?: string) => void logs.push(`info ${typeof a === "string" ? a : b}`),
  warn: (a: object | string, b?: string) => void logs.push(`warn ${typeof a === "string" ? a : b}`),
  error: (a: object | string, b?: string) => void logs.push(`error ${typeof a === "string" ? a : b}`),
  child: () => logger,
};

describe("CSTA link over TCP (against the simulator)", function () {
  this.timeout(15_000);
  let sim: CtiSimulator;
  let link: CstaLink | null;
  const opened: CstaLink[] = [];

  function newLink(port: number, delegate: CtiLinkDelegate, extra: Partial<CstaLinkOptions> = {}): CstaLink {
    const l = new CstaLink({ host: "127.0.0.1", port, framing: "length-header", namespace: cstaNamespace(3), requestTimeoutMs: 1_000, keepAliveMs: 0, clock: systemClock, logger, ...extra }, delegate);
    opened.push(l);
    return l;
  }

  afterEach(async () => {
    for (const l of opened.splice(0)) await l.close();
    link = null;
    await sim?.stop();
    logs.length = 0;
  });

  it("monitors a device, reads its snapshot in wire order with events, and stops", async () => {
    sim = new CtiSimulator({ port: 25580 });
    await sim.start();
    sim.device("1001").forwardTo("8000");
    const r = recorder();
    link = newLink(25580, r);
    await link.open();
    expect(link.description).to.match(/connected to 127\.0\.0\.1:25580 \(CSTA XML, length-header\)/);
    const handle = await link.monitor("1001");
    expect(sim.monitoredDevices()).to.deep.equal(["1001"]);
    const parts: SnapshotPart[] = [];
    const snapshot = link.snapshot("1001", (p) => parts.push(p));
    sim.device("1001").setDnd(true); // sent before the snapshot answers: the snapshot sees it too
    await snapshot;
    expect(parts).to.deep.include({ kind: "dnd", on: true });
    expect(parts).to.deep.include({ kind: "forwarding", settings: [{ type: "forwardImmediate", active: true, destination: "8000" }] });
    expect(r.events.map((e) => e.event)).to.deep.equal([{ kind: "dnd", on: true }]);
    sim.device("1001").incomingCall("2000");
    await waitFor("the ring", () => r.events.length === 2);
    expect(r.events[1]).to.deep.include({ device: "1001" });
    expect(r.events[1]!.event).to.deep.include({ kind: "call", state: "alerting", direction: "inbound", remoteParty: "2000" });
    await link.unmonitor(handle);
    expect(sim.monitoredDevices()).to.deep.equal([]);
    sim.device("1001").setDnd(false);
    await new Promise((res) => setTimeout(res, 50));
    expect(r.events).to.have.length(2);
  });

  it("matches 40 concurrent requests to their answers by invoke id", async () => {
    sim = new CtiSimulator({ port: 25581 });
    await sim.start();
    const r = recorder();
    link = newLink(25581, r);
    await link.open();
    const devices = Array.from({ length: 40 }, (_, i) => String(2000 + i));
    const handles = await Promise.all(devices.map((d) => link!.monitor(d)));
    expect(handles.map((h) => h.device)).to.deep.equal(devices);
    expect(new Set(handles.map((h) => h.id)).size).to.equal(40);
    for (const d of devices) sim.device(d).setDnd(true);
    await waitFor("40 events", () => r.events.length === 40);
    expect(r.events.map((e) => e.device)).to.deep.equal(devices);
  });

  it("logs in with an application session; a refused login is 'forbidden'; without a login the switch refuses monitors", async () => {
    sim = new CtiSimulator({ port: 25582, credentials: { user: "hub", password: "right" } });
    await sim.start();
    const login = { applicationId: "test", user: "hub", password: "right", loginFormat: "generic" as const, protocolVersion: cstaNamespace(3), durationSeconds: 60 };
    link = newLink(25582, recorder(), { login });
    await link.open();
    expect(link.description).to.match(/session sim-session-1/);
    await link.monitor("1001");
    const wrong = newLink(25582, recorder(), { login: { ...login, password: "wrong" } });
    const e = await wrong.open().then(() => null, (x: unknown) => x);
    expect(e).to.be.instanceOf(LinkOpenError);
    expect(e).to.include({ kind: "forbidden" });
    expect((e as Error).message).to.match(/login refused: invalidApplicationInfo/);
    const none = newLink(25582, recorder());
    await none.open();
    const refused = await none.monitor("1001").then(() => null, (x: unknown) => x);
    expect(refused).to.be.instanceOf(DeviceRequestError);
    expect(refused).to.include({ status: "access-denied" });
  });

  it("refreshes the application session at half its duration; a refused refresh drops the link", async () => {
    sim = new CtiSimulator({ port: 25591, credentials: { user: "hub", password: "pw" } });
    await sim.start();
    const r = recorder();
    link = newLink(25591, r, { login: { applicationId: "test", user: "hub", password: "pw", loginFormat: "avaya", protocolVersion: cstaNamespace(3), durationSeconds: 1 } });
    await link.open();
    await sim.waitForRequest("ResetApplicationSessionTimer", { timeoutMs: 2_000 });
    await sim.waitForRequest("ResetApplicationSessionTimer", { timeoutMs: 2_000 });
    expect(r.downs).to.deep.equal([]);
    sim.expireSessions();
    await waitFor("the link to drop", () => r.downs.length === 1);
    expect(r.downs[0]).to.match(/refused to extend the application session \(invalidSessionID\)/);
  });

  it("an unknown device is not-found; an unreachable server fails open() as unreachable", async () => {
    sim = new CtiSimulator({ port: 25583, devices: ["1001"] });
    await sim.start();
    link = newLink(25583, recorder());
    await link.open();
    const e = await link.monitor("9999").then(() => null, (x: unknown) => x);
    expect(e).to.include({ status: "not-found" });
    const dead = newLink(25584, recorder());
    const o = await dead.open().then(() => null, (x: unknown) => x);
    expect(o).to.be.instanceOf(LinkOpenError);
    expect(o).to.include({ kind: "unreachable" });
  });

  it("an unanswered request times out; an unanswered keep-alive drops the link", async () => {
    sim = new CtiSimulator({ port: 25585 });
    await sim.start();
    const r = recorder();
    link = newLink(25585, r, { requestTimeoutMs: 300, keepAliveMs: 200 });
    await link.open();
    await waitFor("a keep-alive", () => sim.requests("RequestSystemStatus").length >= 1);
    sim.unresponsive = true;
    const started = Date.now();
    const e = await link.monitor("1001").then(() => null, (x: unknown) => x);
    expect(e).to.include({ failure: "timeout" });
    expect(Date.now() - started).to.be.within(250, 1_000);
    await waitFor("the link to drop", () => r.downs.length === 1);
    expect(r.downs[0]).to.match(/no answer to the keep-alive \(RequestSystemStatus\)/);
    expect(link.counters.timeouts).to.be.greaterThan(0);
  });

  it("malformed and unknown messages are counted, logged and skipped; the link stays and events still flow", async () => {
    sim = new CtiSimulator({ port: 25586 });
    await sim.start();
    const r = recorder();
    link = newLink(25586, r);
    await link.open();
    await link.monitor("1001");
    sim.sendRaw("<DeliveredEvent><unclosed>");
    sim.sendRaw('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>');
    sim.sendRaw(`<SomethingNew xmlns="${cstaNamespace(3)}"/>`);
    sim.sendRaw(`<MysteryEvent xmlns="${cstaNamespace(3)}"><monitorCrossRefID>1</monitorCrossRefID></MysteryEvent>`);
    sim.sendRaw(`<DeliveredEvent xmlns="${cstaNamespace(3)}"><monitorCrossRefID>999</monitorCrossRefID></DeliveredEvent>`);
    sim.device("1001").setDnd(true);
    await waitFor("the DND event", () => r.events.length === 1);
    expect(link.counters).to.deep.include({ malformed: 2, unknown: 2, unmatchedEvents: 1 });
    expect(r.downs).to.deep.equal([]);
    expect(sim.connections).to.equal(1);
    expect(logs.filter((l) => l === "warn malformed CSTA message skipped")).to.have.length(1); // rate-limited
    expect(logs).to.include("info unknown CSTA message skipped");
  });

  it("an unreadable stream (a nonsense header) drops the link: nothing after it can be trusted", async () => {
    sim = new CtiSimulator({ port: 25587 });
    await sim.start();
    const r = recorder();
    link = newLink(25587, r);
    await link.open();
    sim.sendBytes(Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await waitFor("the link to drop", () => r.downs.length === 1);
    expect(r.downs[0]).to.match(/unreadable stream: unknown format indicator/);
  });

  it("acknowledges SystemStatus; messagesLost asks the connector to re-read every device", async () => {
    sim = new CtiSimulator({ port: 25588 });
    await sim.start();
    const r = recorder();
    link = newLink(25588, r);
    await link.open();
    sim.sendSystemStatus("normal");
    sim.sendSystemStatus("messagesLost");
    await waitFor("two acknowledgements", () => sim.requests("SystemStatusResponse").length === 2);
    expect(r.resyncs).to.deep.equal(["system status messagesLost"]);
  });

  it("a server that drops the connection is reported once; close() afterwards reports nothing", async () => {
    sim = new CtiSimulator({ port: 25589 });
    await sim.start();
    const r = recorder();
    link = newLink(25589, r);
    await link.open();
    const pending = link.monitor("1001");
    sim.unresponsive = true;
    await sim.waitForRequest("MonitorStart");
    sim.dropConnections();
    const e = await pending.then(() => null, (x: unknown) => x);
    expect(e).to.include({ failure: "link-down" });
    await waitFor("onDown", () => r.downs.length === 1);
    await link.close();
    expect(r.downs).to.have.length(1);
  });

  for (const [framing, port] of [["nul-terminated", 25590]] as [CstaFraming, number][]) {
    it(`works with ${framing} framing (answers matched in order)`, async () => {
      sim = new CtiSimulator({ port, framing });
      await sim.start();
      const r = recorder();
      link = newLink(port, r, { framing });
      await link.open();
      const [a, b] = await Promise.all([link.monitor("1001"), link.monitor("1002")]);
      expect([a.device, b.device]).to.deep.equal(["1001", "1002"]);
      const parts: SnapshotPart[] = [];
      await link.snapshot("1002", (p) => parts.push(p));
      expect(parts.map((p) => p.kind).sort()).to.deep.equal(["calls", "dnd", "forwarding"]);
      sim.device("1002").incomingCall("2000");
      await waitFor("the ring", () => r.events.length === 1);
      expect(r.events[0]!.device).to.equal("1002");
    });
  }
});
