import { expect } from "chai";
import { LineTracker } from "./line-tracker.js";

describe("LineTracker", () => {
  let now: number;
  let t: LineTracker;
  beforeEach(() => {
    now = 1_000;
    t = new LineTracker(() => now);
  });

  it("starts available with DND unknown (not reported) and no forward", () => {
    expect(t.facts()).to.deep.equal({ kind: "state", line: "available", detail: { calls: 0, since: 1_000 } });
  });

  it("'since' is when the line state, DND or the forward target last changed, not when the last event came", () => {
    now = 2_000;
    t.applyEvent({ kind: "call", callId: "C1", state: "alerting", direction: "inbound", remoteParty: "2000", cause: "DeliveredEvent" });
    now = 3_000;
    t.applyEvent({ kind: "dnd", on: false });
    expect(t.facts().detail!.since).to.equal(2_000);
    now = 4_000;
    t.applyEvent({ kind: "call", callId: "C1", state: "connected", cause: "EstablishedEvent" });
    expect(t.facts()).to.deep.include({ line: "busy" });
    expect(t.facts().detail).to.deep.include({ since: 4_000, direction: "inbound", remoteParty: "2000" }); // kept from the ring
    now = 5_000;
    t.applyEvent({ kind: "dnd", on: true });
    expect(t.facts().detail!.since).to.equal(5_000);
    now = 6_000;
    t.applyEvent({ kind: "forwarding", setting: { type: "forwardBusy", active: true, destination: "5555" } });
    expect(t.facts().detail!.since).to.equal(5_000); // a conditional forward changes nothing shown
  });

  it("a snapshot replaces the calls, DND and forwarding it covers, keeping what events said about surviving calls", () => {
    t.applyEvent({ kind: "call", callId: "C1", state: "connected", direction: "outbound", remoteParty: "3000", cause: "EstablishedEvent" });
    t.applyEvent({ kind: "call", callId: "C2", state: "alerting", cause: "DeliveredEvent" });
    t.applyEvent({ kind: "forwarding", setting: { type: "forwardBusy", active: true, destination: "5555" } });
    t.applySnapshot({ kind: "calls", calls: [{ callId: "C1", state: "hold" }] });
    t.applySnapshot({ kind: "dnd", on: true });
    t.applySnapshot({ kind: "forwarding", settings: [{ type: "forwardImmediate", active: true, destination: "8000" }] });
    const f = t.facts();
    expect(f).to.deep.include({ line: "busy", dnd: true, forwardTo: "8000" });
    expect(f.detail).to.deep.include({ calls: 1, direction: "outbound", remoteParty: "3000", note: "call on hold" });
  });

  it("an empty snapshot clears stale calls (e.g. after a reconnect)", () => {
    t.applyEvent({ kind: "call", callId: "C1", state: "connected", cause: "EstablishedEvent" });
    t.applySnapshot({ kind: "calls", calls: [] });
    expect(t.facts().line).to.equal("available");
  });

  it("an inactive unconditional forward or one without destination gives no target", () => {
    t.applySnapshot({ kind: "forwarding", settings: [{ type: "forwardImmediate", active: false, destination: "8000" }, { type: "forwardImmExt", active: true }] });
    expect(t.facts().forwardTo).to.equal(undefined);
    t.applyEvent({ kind: "forwarding", setting: { type: "forwardImmExt", active: true, destination: "0301234" } });
    expect(t.facts().forwardTo).to.equal("0301234");
  });

  it("reset forgets everything", () => {
    t.applyEvent({ kind: "dnd", on: true });
    t.applyEvent({ kind: "service", inService: false });
    t.reset();
    expect(t.facts()).to.deep.include({ line: "available" });
    expect(t.facts().dnd).to.equal(undefined);
  });
});
