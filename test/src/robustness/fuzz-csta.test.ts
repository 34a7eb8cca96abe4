import { expect } from "chai";
import fc from "fast-check";
import { XmlError } from "@presence-hub/core";
import {
  FrameDecoder,
  FramingError,
  LineTracker,
  MalformedMessageError,
  cstaNamespace,
  decodeIncoming,
  encodeFrame,
  translateEvent,
  type CstaFraming,
  type DeviceEvent,
} from "@presence-hub/plugin-tapi/csta";
import { escapeXml, humanText } from "./body-arbitraries.js";
import { fuzzParser, junkBytes, junkText, mutated, type Verdict } from "./fuzz.js";

/**
 * Property-based fuzzing of the CTI link's CSTA XML codec (ECMA-323 over TCP): the frame
 * decoder for both framings, decodeIncoming for every message kind, and the event translation
 * and line tracker behind it. What a switch (or something pretending to be one) sends must be
 * read back exactly when valid, refused with XmlError / MalformedMessageError / FramingError when
 * not, and never crash the link.
 */
describe("Robustness: fuzzing the CSTA XML codec", function () {
  this.timeout(180_000);

  const SESSION_NS = "http://www.ecma-international.org/standards/ecma-354/appl_session";
  const prefix = fc.oneof(fc.constant(""), fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/).filter((p) => !p.startsWith("xml")));
  const id = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/);
  const deviceId = fc.oneof(fc.stringMatching(/^[0-9]{2,6}$/), fc.stringMatching(/^\+[0-9]{6,12}$/), fc.constant("N<1001>;loc=a&b"));

  /** A CSTA document with the given root and children (leaf pairs or raw XML), in a random prefix and edition. */
  const doc = (name: string, inner: (q: (n: string) => string) => string, ns?: string) =>
    fc.tuple(prefix, fc.integer({ min: 3, max: 7 }), fc.constantFrom("", '<?xml version="1.0" encoding="UTF-8"?>')).map(([p, ed, decl]) => {
      const q = (n: string) => (p ? `${p}:${n}` : n);
      const nsUri = ns ?? cstaNamespace(ed);
      return `${decl}<${q(name)} ${p ? `xmlns:${p}` : "xmlns"}="${nsUri}">${inner(q)}</${q(name)}>`;
    });
  const leaf = (q: (n: string) => string, name: string, value: string) => `<${q(name)}>${escapeXml(value, 0)}</${q(name)}>`;

  /** Messages a switch sends, with what decodeIncoming must make of them. */
  const message: fc.Arbitrary<{ xml: string; expect: Record<string, unknown> }> = fc.oneof(
    fc.tuple(id).chain(([x]) => doc("MonitorStartResponse", (q) => leaf(q, "monitorCrossRefID", x)).map((xml) => ({ xml, expect: { type: "MonitorStartResponse", crossRefId: x } }))),
    fc.boolean().chain((on) => doc("GetDoNotDisturbResponse", (q) => leaf(q, "doNotDisturbOn", String(on))).map((xml) => ({ xml, expect: { type: "GetDoNotDisturbResponse", on } }))),
    fc
      .array(fc.record({ type: fc.constantFrom("forwardImmediate", "forwardBusy", "forwardNoAns"), active: fc.boolean(), destination: fc.option(deviceId, { nil: undefined }) }), { maxLength: 3 })
      .chain((settings) =>
        doc("GetForwardingResponse", (q) => `<${q("forwardingList")}>${settings.map((s) => `<${q("forwardListItem")}>${leaf(q, "forwardingType", s.type)}${leaf(q, "forwardStatus", String(s.active))}${s.destination ? leaf(q, "forwardDN", s.destination) : ""}</${q("forwardListItem")}>`).join("")}</${q("forwardingList")}>`).map((xml) => ({
          xml,
          expect: { type: "GetForwardingResponse", settings: settings.map((s) => ({ type: s.type, active: s.active, destination: s.destination })) },
        })),
      ),
    fc
      .uniqueArray(fc.record({ callId: id, state: fc.constantFrom("alerting", "connected", "hold", "initiated", "queued", "fail") }), { maxLength: 3, selector: (c) => c.callId })
      .chain((calls) =>
        doc(
          "SnapshotDeviceResponse",
          (q) =>
            `<${q("crossRefIDorSnapshotData")}><${q("snapshotData")}>${calls
              .map((c) => `<${q("snapshotDeviceResponseInfo")}><${q("connectionIdentifier")}>${leaf(q, "callID", c.callId)}${leaf(q, "deviceID", "1001")}</${q("connectionIdentifier")}><${q("localCallState")}><${q("compoundCallState")}>${leaf(q, "localConnectionState", c.state)}</${q("compoundCallState")}></${q("localCallState")}></${q("snapshotDeviceResponseInfo")}>`)
              .join("")}</${q("snapshotData")}></${q("crossRefIDorSnapshotData")}>`,
        ).map((xml) => ({ xml, expect: { type: "SnapshotDeviceResponse", calls } })),
      ),
    fc.constantFrom("normal", "messagesLost", "disabled").chain((s) => doc("SystemStatus", (q) => leaf(q, "systemStatus", s)).map((xml) => ({ xml, expect: { type: "SystemStatus", status: s } }))),
    fc.tuple(id, fc.integer({ min: 1, max: 86400 })).chain(([sid, secs]) => doc("StartApplicationSessionPosResponse", (q) => leaf(q, "sessionID", sid) + leaf(q, "actualSessionDuration", String(secs)), SESSION_NS).map((xml) => ({ xml, expect: { type: "StartApplicationSessionPosResponse", sessionId: sid, durationSeconds: secs } }))),
    fc.tuple(id, fc.constantFrom("DeliveredEvent", "EstablishedEvent", "ConnectionClearedEvent", "HeldEvent", "DoNotDisturbEvent", "ForwardingEvent", "OutOfServiceEvent", "PrivateEvent")).chain(([x, name]) =>
      doc(name, (q) => leaf(q, "monitorCrossRefID", x) + `<${q("connection")}>${leaf(q, "callID", "c1")}${leaf(q, "deviceID", "1001")}</${q("connection")}>`).map((xml) => ({ xml, expect: { type: "event", name, crossRefId: x } })),
    ),
  );

  /** The decoder's verdict on one message: a value, or one of the documented refusals. */
  function decodeVerdict(payload: Uint8Array | string): Verdict {
    let m;
    try {
      m = decodeIncoming(payload);
    } catch (e) {
      if (e instanceof XmlError || e instanceof MalformedMessageError) {
        expect(e.message.length).to.be.greaterThan(0);
        return "rejected";
      }
      throw e;
    }
    if (m.type === "event") {
      // Whatever the event says, translation returns device events or null, and a tracker fed them stays in the fixed set.
      const events = translateEvent(m.name, m.root, "1001");
      if (events !== null) {
        const tracker = new LineTracker(() => 0);
        for (const e of events) tracker.applyEvent(e);
        const facts = tracker.facts();
        if (facts.kind === "state") expect(["available", "ringing", "busy", "offline"]).to.include(facts.line);
      }
    }
    return "accepted";
  }

  it("decodeIncoming reads every message kind back to what was written (any prefix, any edition)", () => {
    fuzzParser("csta decodeIncoming round trip", message, ({ xml, expect: expected }) => {
      const m = decodeIncoming(Buffer.from(xml));
      expect(m).to.deep.include(expected);
      return decodeVerdict(xml);
    });
  });

  it("decodeIncoming: mutated and random messages decode or are refused with XmlError / MalformedMessageError, never anything else", () => {
    fuzzParser("csta decodeIncoming (mutated)", fc.oneof(mutated(message.map((m) => m.xml)), junkText), (xml) => decodeVerdict(xml));
    fuzzParser("csta decodeIncoming (random bytes)", junkBytes, (b) => decodeVerdict(b));
  });

  it("FrameDecoder: frames of both framings split at any points come out whole, with their invoke ids", () => {
    const stream = fc.record({
      framing: fc.constantFrom<CstaFraming>("length-header", "nul-terminated"),
      messages: fc.array(fc.tuple(message.map((m) => m.xml), fc.integer({ min: 1, max: 9999 }).map((n) => String(n).padStart(4, "0"))), { minLength: 1, maxLength: 4 }),
      cuts: fc.array(fc.nat(), { maxLength: 12 }),
    });
    fuzzParser(
      "csta FrameDecoder round trip",
      stream,
      ({ framing, messages, cuts }) => {
        const all = Buffer.concat(messages.map(([xml, invoke]) => encodeFrame(framing, framing === "length-header" ? invoke : null, xml)));
        const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder(framing);
        const out: [string, string | null][] = [];
        let last = 0;
        for (const p of [...points, all.length]) {
          for (const f of decoder.push(all.subarray(last, p))) out.push([f.payload.toString("utf8"), f.invokeId]);
          last = p;
        }
        expect(out).to.deep.equal(messages.map(([xml, invoke]) => [xml, framing === "length-header" ? invoke : null]));
        expect(decoder.pending).to.equal(0);
        return "accepted";
      },
      { sizeOf: (s) => s.messages.reduce((n, [x]) => n + x.length, 0) },
    );
  });

  it("FrameDecoder: hostile byte streams yield frames or a FramingError, and never buffer past one frame", () => {
    const chunks = fc.array(fc.oneof(junkBytes.map((b) => Buffer.from(b)), mutated(message.map((m) => m.xml)).map((s) => encodeFrame("nul-terminated", null, s.replace(/\0/g, "")))), { minLength: 1, maxLength: 8 });
    fuzzParser(
      "csta FrameDecoder hostile",
      fc.tuple(fc.constantFrom<CstaFraming>("length-header", "nul-terminated"), chunks),
      ([framing, list]) => {
        const decoder = new FrameDecoder(framing, 4096);
        for (const chunk of list) {
          try {
            for (const f of decoder.push(chunk)) decodeVerdict(f.payload);
          } catch (e) {
            if (!(e instanceof FramingError)) throw e;
            return "rejected";
          }
          expect(decoder.pending).to.be.at.most(4096 + chunk.length);
        }
        return "accepted";
      },
      { sizeOf: ([, l]) => l.reduce((n, c) => n + c.length, 0) },
    );
  });

  it("line tracker: any sequence of device events (calls, DND, forwarding, service) gives telephony facts in the fixed set", () => {
    const event: fc.Arbitrary<DeviceEvent> = fc.oneof(
      fc.record({ kind: fc.constant("call" as const), callId: fc.constantFrom("a", "b", "c"), state: fc.constantFrom("null" as const, "initiated" as const, "alerting" as const, "connected" as const, "hold" as const, "queued" as const, "fail" as const), direction: fc.option(fc.constantFrom("inbound" as const, "outbound" as const), { nil: undefined }), remoteParty: fc.option(humanText, { nil: undefined }), cause: fc.constant("fuzz") }),
      fc.record({ kind: fc.constant("dnd" as const), on: fc.boolean() }),
      fc.record({ kind: fc.constant("forwarding" as const), setting: fc.record({ type: fc.constantFrom("forwardImmediate", "forwardBusy", "forwardNoAns", "bogus"), active: fc.boolean(), destination: fc.option(fc.constantFrom("8000", "+4930123", ""), { nil: undefined }) }) }),
      fc.record({ kind: fc.constant("service" as const), inService: fc.boolean() }),
    );
    fuzzParser("csta line tracker (event sequences)", fc.array(event, { maxLength: 20 }), (events) => {
      let now = 0;
      const tracker = new LineTracker(() => now++);
      for (const e of events) {
        tracker.applyEvent(e);
        const f = tracker.facts();
        if (f.kind === "state") expect(["available", "ringing", "busy", "offline"]).to.include(f.line);
      }
      return "accepted";
    });
  });
});
