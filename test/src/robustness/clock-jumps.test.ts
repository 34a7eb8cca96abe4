import { expect } from "chai";
import type { PresenceChanged } from "@presence-hub/core";
import { ManualClock, startTestHub, type TestHub } from "@presence-hub/core/testing";
import { captureEvents } from "../support/event-capture.js";
import { push, pushConnector, watched } from "../support/http-push-client.js";
import { recordFault } from "./report.js";

/**
 * Clock jumps on a hub driven by a ManualClock: time leaping forward by hours (a suspended VM,
 * a paused process) and the wall clock being stepped forwards and backwards (NTP) while
 * timers keep their own time. Timers must fire in order and once, diagnostics subscriptions and
 * notes must still end, and nothing may stall. Plus one real-clock check: a far-off deadline
 * must not make a timer spin.
 */
describe("Robustness: clock jumps", function () {
  this.timeout(60_000);
  let hub: TestHub;
  let clock: ManualClock;
  let operator: string;
  let admin: string;

  beforeEach(async () => {
    clock = new ManualClock();
    hub = await startTestHub({
      clock,
      config: {
        connectors: [pushConnector("pbx")],
        users: [
          { username: "alice", firstExtension: "1001" },
          { username: "bob", firstExtension: "1002" },
          { username: "carol", firstExtension: "1003" },
        ],
      },
    });
    operator = await hub.token("operator");
    admin = await hub.token("admin");
  });
  afterEach(() => hub?.stop());

  const putNote = (user: string, body: unknown) =>
    fetch(`${hub.url}/api/v1/users/${user}/note`, { method: "PUT", headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const noteOf = async (user: string) => ((await (await fetch(`${hub.url}/api/v1/users/${user}`, { headers: { authorization: `Bearer ${operator}` } })).json()) as { note: { text: string } | null }).note;
  const auditActions = async (user: string) =>
    ((await (await fetch(`${hub.url}/api/v1/notes/audit?username=${user}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { entries: { action: string }[] }).entries.map((e) => e.action);
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it("a leap forward of hours fires every due timer once, in order: diagnostics subscriptions end, notes expire", async () => {
    const capture = captureEvents(hub.app);
    hub.app.hub.requestDiagnostics("alice");
    clock.advance(20_000);
    hub.app.hub.requestDiagnostics("bob");
    expect(await watched(hub.app, "pbx")).to.deep.equal(["telephony:1001", "telephony:1002"]);
    expect((await putNote("carol", { text: "back at 3", validUntil: clock.now() + 2 * 3_600_000 })).status).to.equal(200);
    await push(hub.app, "pbx", { extension: "1001", telephony: { line: "busy" } });

    clock.advance(5 * 3_600_000);
    await settle();
    expect(await watched(hub.app, "pbx")).to.deep.equal([]);
    expect(await noteOf("carol")).to.equal(null);
    // In order: alice's minute ended before bob's; each once.
    const released = capture.events.map((e) => e.event).filter((e): e is PresenceChanged => e.type === "presence" && (e as PresenceChanged).field === "telephony" && (e as PresenceChanged).state.status === "not-requested");
    expect(released.map((e) => e.username)).to.deep.equal(["alice", "bob"]);
    expect((await auditActions("carol")).filter((a) => a === "expired")).to.have.length(1);
    // Another leap fires nothing again.
    const before = capture.events.length;
    clock.advance(24 * 3_600_000);
    await settle();
    expect(capture.events.length).to.equal(before);
    recordFault("clock leap forward (5 h, then 24 h)", { injected: 2, survived: 2 });
  });

  it("the wall clock stepped forwards: a note past its validity goes within a minute, not after the old timer's delay", async () => {
    expect((await putNote("alice", { text: "lunch", validUntil: clock.now() + 3_600_000 })).status).to.equal(200);
    clock.stepWallClock(2 * 3_600_000); // NTP: it is really two hours later
    clock.advance(60_000);
    await settle();
    expect(await noteOf("alice")).to.equal(null);
    expect((await auditActions("alice")).filter((a) => a === "expired")).to.have.length(1);
    recordFault("wall clock stepped forward 2 h", { injected: 1, survived: 1 });
  });

  it("the wall clock stepped back an hour: the diagnostics minute still ends after a minute, notes stay until their time, updates flow", async () => {
    expect((await putNote("bob", { text: "meeting", validUntil: clock.now() + 30 * 60_000 })).status).to.equal(200);
    hub.app.hub.requestDiagnostics("alice");
    clock.stepWallClock(-3_600_000);
    clock.advance(60_000);
    await settle();
    expect(await watched(hub.app, "pbx")).to.deep.equal([]);
    // By the wall clock the note has 90 minutes left now: it stays.
    expect((await noteOf("bob"))!.text).to.equal("meeting");
    hub.app.hub.addDemand("alice", "console:1");
    await push(hub.app, "pbx", { extension: "1001", telephony: { line: "ringing" } });
    expect(hub.app.hub.presence("alice")!.telephony.status).to.equal("ringing");
    clock.advance(90 * 60_000);
    await settle();
    expect(await noteOf("bob")).to.equal(null);
    recordFault("wall clock stepped back 1 h", { injected: 1, survived: 1 });
  });
});

describe("Robustness: far-off deadlines on the real clock", function () {
  this.timeout(30_000);

  it("a note valid for 30 days does not make the expiry timer spin (Node's 24.8-day timer limit)", async () => {
    const hub = await startTestHub({ config: { users: [{ username: "alice" }] } });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const operator = await hub.token("operator");
      const res = await fetch(`${hub.url}/api/v1/users/alice/note`, {
        method: "PUT",
        headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "on leave", validUntil: Date.now() + 30 * 24 * 3_600_000 }),
      });
      expect(res.status).to.equal(200);
      const cpu = process.cpuUsage();
      await new Promise((r) => setTimeout(r, 1000));
      const used = process.cpuUsage(cpu);
      expect(warnings, "warnings").to.not.include("TimeoutOverflowWarning");
      expect((used.user + used.system) / 1000, "CPU in the second after (ms)").to.be.below(200);
      recordFault("deadline beyond the 24.8-day timer limit", { injected: 1, survived: 1 });
    } finally {
      process.off("warning", onWarning);
      await hub.stop();
    }
  });
});
