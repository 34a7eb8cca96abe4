import { expect } from "chai";
import type { TelephonyFacts } from "@presence-hub/core";
import { LineTracker } from "../line/line-tracker.js";
import { translateEvent } from "./csta-events.js";
import { decodeIncoming } from "./csta-messages.js";

/**
 * The event → telephony mapping, one row per case: the events a switch sends for a device
 * (ECMA-323 XML as real switches write it, with and without `localConnectionInfo`), run through
 * decoding, translation and the line tracker, and the facts the connector reports.
 */
const NS = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";
const ME = "1001";

const ev = (name: string, body: string) => `<${name} xmlns="${NS}"><monitorCrossRefID>1</monitorCrossRefID>${body}</${name}>`;
const conn = (el: string, call: string, dev: string) => `<${el}><callID>${call}</callID><deviceID>${dev}</deviceID></${el}>`;
const dev = (el: string, id: string) => `<${el}><deviceIdentifier>${id}</deviceIdentifier></${el}>`;
const lci = (state: string) => `<localConnectionInfo>${state}</localConnectionInfo>`;

const ringIn = (call = "C1", from = "2000") => ev("DeliveredEvent", conn("connection", call, ME) + dev("alertingDevice", ME) + dev("callingDevice", from) + dev("calledDevice", ME) + lci("alerting"));
const answerIn = (call = "C1", from = "2000") => ev("EstablishedEvent", conn("establishedConnection", call, ME) + dev("answeringDevice", ME) + dev("callingDevice", from) + dev("calledDevice", ME) + lci("connected"));
const callOut = (call = "C5", to = "3000") => [
  ev("ServiceInitiatedEvent", conn("initiatedConnection", call, ME) + dev("initiatingDevice", ME) + lci("initiated")),
  ev("OriginatedEvent", conn("originatedConnection", call, ME) + dev("callingDevice", ME) + dev("calledDevice", to) + lci("connected")),
];

interface Row {
  readonly name: string;
  /** Events before the one under test. */
  readonly given?: readonly string[];
  readonly event: string;
  /** Expected facts (a subset; `detail` keys compared one by one, `undefined` = absent). */
  readonly expect: Partial<Omit<TelephonyFacts, "detail">> & { readonly detail?: Readonly<Record<string, unknown>> };
}

const ROWS: readonly Row[] = [
  { name: "DeliveredEvent, alerting here → ringing, inbound, caller shown", event: ringIn(), expect: { line: "ringing", detail: { direction: "inbound", remoteParty: "2000", calls: 1 } } },
  {
    name: "DeliveredEvent of our own call (the other party rings) → busy, outbound",
    given: callOut(),
    event: ev("DeliveredEvent", conn("connection", "C5", "3000") + dev("alertingDevice", "3000") + dev("callingDevice", ME) + dev("calledDevice", "3000") + lci("connected")),
    expect: { line: "busy", detail: { direction: "outbound", remoteParty: "3000" } },
  },
  { name: "EstablishedEvent, we answered → busy, inbound", given: [ringIn()], event: answerIn(), expect: { line: "busy", detail: { direction: "inbound", remoteParty: "2000", calls: 1 } } },
  {
    name: "EstablishedEvent, the called party answered → busy, outbound",
    given: callOut(),
    event: ev("EstablishedEvent", conn("establishedConnection", "C5", "3000") + dev("answeringDevice", "3000") + dev("callingDevice", ME) + dev("calledDevice", "3000") + lci("connected")),
    expect: { line: "busy", detail: { direction: "outbound", remoteParty: "3000" } },
  },
  { name: "ConnectionClearedEvent, we hung up → available", given: [ringIn(), answerIn()], event: ev("ConnectionClearedEvent", conn("droppedConnection", "C1", ME) + dev("releasingDevice", ME) + lci("null")), expect: { line: "available", detail: { calls: 0, direction: undefined } } },
  {
    name: "ConnectionClearedEvent, the caller hung up, no localConnectionInfo → available (two-party call over)",
    given: [ringIn(), answerIn()],
    event: ev("ConnectionClearedEvent", conn("droppedConnection", "C1", "2000") + dev("releasingDevice", "2000")),
    expect: { line: "available" },
  },
  {
    name: "ConnectionClearedEvent of a third party while we stay (localConnectionInfo connected) → still busy",
    given: [ringIn(), answerIn()],
    event: ev("ConnectionClearedEvent", conn("droppedConnection", "C1", "4000") + dev("releasingDevice", "4000") + lci("connected")),
    expect: { line: "busy" },
  },
  { name: "HeldEvent, we hold → busy, note 'call on hold'", given: [ringIn(), answerIn()], event: ev("HeldEvent", conn("heldConnection", "C1", ME) + dev("holdingDevice", ME) + lci("hold")), expect: { line: "busy", detail: { note: "call on hold", direction: "inbound" } } },
  { name: "HeldEvent by the other party, no localConnectionInfo → busy, not on hold here", given: [ringIn(), answerIn()], event: ev("HeldEvent", conn("heldConnection", "C1", "2000") + dev("holdingDevice", "2000")), expect: { line: "busy", detail: { note: undefined } } },
  {
    name: "RetrievedEvent → busy, the hold note goes",
    given: [ringIn(), answerIn(), ev("HeldEvent", conn("heldConnection", "C1", ME) + dev("holdingDevice", ME) + lci("hold"))],
    event: ev("RetrievedEvent", conn("retrievedConnection", "C1", ME) + dev("retrievingDevice", ME) + lci("connected")),
    expect: { line: "busy", detail: { note: undefined } },
  },
  {
    name: "DivertedEvent, the ringing call leaves for voicemail → available",
    given: [ringIn()],
    event: ev("DivertedEvent", conn("connection", "C1", ME) + dev("divertingDevice", ME) + dev("newDestination", "8000") + lci("null")),
    expect: { line: "available", detail: { calls: 0 } },
  },
  { name: "DivertedEvent without localConnectionInfo, away from us → available", given: [ringIn()], event: ev("DivertedEvent", conn("connection", "C1", ME) + dev("divertingDevice", ME) + dev("newDestination", "8000")), expect: { line: "available" } },
  { name: "ServiceInitiatedEvent (off-hook, dialling) → busy, outbound", event: callOut()[0]!, expect: { line: "busy", detail: { direction: "outbound" } } },
  { name: "OriginatedEvent → busy, outbound, called party shown", given: [callOut()[0]!], event: callOut()[1]!, expect: { line: "busy", detail: { direction: "outbound", remoteParty: "3000" } } },
  { name: "a second call rings while talking → busy, the talking call stays the relevant one", given: [ringIn(), answerIn()], event: ringIn("C2", "5000"), expect: { line: "busy", detail: { calls: 2, remoteParty: "2000" } } },
  { name: "FailedEvent (busy tone) → busy, note 'call failed'", given: callOut(), event: ev("FailedEvent", conn("failedConnection", "C5", "3000") + lci("fail")), expect: { line: "busy", detail: { note: "call failed" } } },
  { name: "DoNotDisturbEvent on → dnd", event: ev("DoNotDisturbEvent", dev("device", ME) + "<doNotDisturbOn>true</doNotDisturbOn>"), expect: { line: "available", dnd: true } },
  { name: "DoNotDisturbEvent off → no dnd", given: [ev("DoNotDisturbEvent", dev("device", ME) + "<doNotDisturbOn>true</doNotDisturbOn>")], event: ev("DoNotDisturbEvent", dev("device", ME) + "<doNotDisturbOn>false</doNotDisturbOn>"), expect: { dnd: false } },
  {
    name: "ForwardingEvent forwardImmediate on → forward target",
    event: ev("ForwardingEvent", dev("device", ME) + "<forwardingType>forwardImmediate</forwardingType><forwardStatus>true</forwardStatus><forwardTo>8000</forwardTo>"),
    expect: { line: "available", forwardTo: "8000" },
  },
  {
    name: "ForwardingEvent forwardImmediate off → no forward target",
    given: [ev("ForwardingEvent", dev("device", ME) + "<forwardingType>forwardImmediate</forwardingType><forwardStatus>true</forwardStatus><forwardTo>8000</forwardTo>")],
    event: ev("ForwardingEvent", dev("device", ME) + "<forwardingType>forwardImmediate</forwardingType><forwardStatus>false</forwardStatus>"),
    expect: { forwardTo: undefined },
  },
  {
    name: "ForwardingEvent forwardBusy → no forward target, a note for operators",
    event: ev("ForwardingEvent", dev("device", ME) + "<forwardingType>forwardBusy</forwardingType><forwardStatus>true</forwardStatus><forwardTo>5555</forwardTo>"),
    expect: { forwardTo: undefined, detail: { note: "forwards on busy to 5555" } },
  },
  {
    name: "ForwardingEvent without type, plain device (BroadSoft/Cisco style) → unconditional forward",
    event: `<ForwardingEvent xmlns="${NS}"><monitorCrossRefID>1</monitorCrossRefID><device>${ME}</device><forwardStatus>true</forwardStatus><forwardTo>tel:+4930123456</forwardTo></ForwardingEvent>`,
    expect: { forwardTo: "+4930123456" },
  },
  { name: "DND and forwarding together: both reported (the aggregator lets DND win)", given: [ev("DoNotDisturbEvent", dev("device", ME) + "<doNotDisturbOn>true</doNotDisturbOn>")], event: ev("ForwardingEvent", dev("device", ME) + "<forwardingType>forwardImmediate</forwardingType><forwardStatus>true</forwardStatus><forwardTo>8000</forwardTo>"), expect: { dnd: true, forwardTo: "8000" } },
  { name: "OutOfServiceEvent → offline", event: ev("OutOfServiceEvent", dev("device", ME)), expect: { line: "offline" } },
  { name: "BackInServiceEvent → available again", given: [ev("OutOfServiceEvent", dev("device", ME))], event: ev("BackInServiceEvent", dev("device", ME)), expect: { line: "available" } },
  {
    name: "Unify-style full numbers without localConnectionInfo: alerting at our full number → ringing, caller readable",
    event: ev("DeliveredEvent", conn("connection", "FF01", "N&lt;+4989123451001&gt;") + dev("alertingDevice", "N&lt;+4989123451001&gt;;displayNumber=1001") + dev("callingDevice", "N&lt;+4930555000&gt;;noa=nk") + dev("calledDevice", "N&lt;+4989123451001&gt;")),
    expect: { line: "ringing", detail: { direction: "inbound", remoteParty: "+4930555000" } },
  },
  {
    name: "TransferredEvent, we transferred the call away → available",
    given: [ringIn(), answerIn()],
    event: ev("TransferredEvent", `<primaryOldCall><callID>C1</callID><deviceID>${ME}</deviceID></primaryOldCall>` + dev("transferringDevice", ME) + dev("transferredToDevice", "6000") + `<transferredConnections><connectionListItem><newConnection><callID>C9</callID><deviceID>6000</deviceID></newConnection></connectionListItem></transferredConnections>` + lci("null")),
    expect: { line: "available", detail: { calls: 0 } },
  },
];

/** Runs events for device 1001 through decode → translate → tracker. */
function run(events: readonly string[]): LineTracker {
  let now = 1_000;
  const tracker = new LineTracker(() => now++);
  for (const xml of events) {
    const m = decodeIncoming(xml);
    if (m.type !== "event") throw new Error(`not an event: ${m.type}`);
    const translated = translateEvent(m.name, m.root, ME);
    if (translated === null) throw new Error(`not understood: ${m.name}`);
    for (const e of translated) tracker.applyEvent(e);
  }
  return tracker;
}

describe("CSTA event → telephony mapping", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const facts = run([...(row.given ?? []), row.event]).facts();
      const { detail, ...top } = row.expect;
      for (const [k, v] of Object.entries(top)) expect(facts[k as keyof TelephonyFacts], k).to.deep.equal(v);
      for (const [k, v] of Object.entries(detail ?? {})) expect((facts.detail as Record<string, unknown>)[k], `detail.${k}`).to.deep.equal(v);
    });
  }

  it("events presence does not use are ignored; unknown ones are reported as not understood", () => {
    const agent = decodeIncoming(ev("AgentReadyEvent", dev("agentDevice", ME)));
    expect(agent.type === "event" && translateEvent(agent.name, agent.root, ME)).to.deep.equal([]);
    const odd = decodeIncoming(ev("FancyNewEvent", ""));
    expect(odd.type === "event" && translateEvent(odd.name, odd.root, ME)).to.equal(null);
    const broken = decodeIncoming(ev("DeliveredEvent", dev("alertingDevice", ME)));
    expect(broken.type === "event" && translateEvent(broken.name, broken.root, ME)).to.equal(null); // no call id
  });
});
