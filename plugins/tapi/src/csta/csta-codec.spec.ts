import { expect } from "chai";
import { frame, SimDeframer } from "../simulator/sim-framing.js";
import * as sim from "../simulator/sim-messages.js";
import { parseFlat } from "../simulator/sim-xml.js";
import { encodeFrame, FrameDecoder } from "./csta-framing.js";
import { decodeIncoming, MalformedMessageError } from "./csta-messages.js";
import { cstaNamespace, SESSION_NAMESPACE } from "./csta-namespaces.js";
import * as rq from "./csta-requests.js";

/**
 * Round trips between the client's codec and the simulator's, which are written independently:
 * what the client sends must mean the same to the simulator, and what the simulator (standing in
 * for a switch) sends must decode to the same facts in the client.
 */
const NS = cstaNamespace(3);
const NS4 = cstaNamespace(4);

/** Client request → client framing → simulator deframing → simulator parse. */
function toSimulator(xml: string) {
  const messages = new SimDeframer("length-header").feed(encodeFrame("length-header", "0007", xml));
  expect(messages).to.have.length(1);
  expect(messages[0]!.invokeId).to.equal("0007");
  return parseFlat(messages[0]!.xml);
}

/** Simulator message → simulator framing → client deframing → client decode. */
function toClient(xml: string) {
  const frames = new FrameDecoder("length-header").push(frame("length-header", xml, "0007"));
  expect(frames).to.have.length(1);
  expect(frames[0]!.invokeId).to.equal("0007");
  return decodeIncoming(frames[0]!.payload);
}

describe("CSTA codec round trips (client ⇄ simulator)", () => {
  it("requests: MonitorStart, MonitorStop, SnapshotDevice, GetDoNotDisturb, GetForwarding, RequestSystemStatus", () => {
    const device = 'a<b&"c';
    expect(toSimulator(rq.monitorStart(NS, device))).to.deep.include({ root: "MonitorStart", namespace: NS });
    expect(toSimulator(rq.monitorStart(NS, device)).leaves.get("deviceObject")).to.equal(device);
    expect(toSimulator(rq.monitorStop(NS, "17")).leaves.get("monitorCrossRefID")).to.equal("17");
    expect(toSimulator(rq.snapshotDevice(NS, "1001")).leaves.get("snapshotObject")).to.equal("1001");
    expect(toSimulator(rq.getDoNotDisturb(NS, "1001"))).to.deep.include({ root: "GetDoNotDisturb" });
    expect(toSimulator(rq.getForwarding(NS, "1001")).leaves.get("device")).to.equal("1001");
    expect(toSimulator(rq.requestSystemStatus(NS)).root).to.equal("RequestSystemStatus");
    expect(toSimulator(rq.systemStatusResponse(NS)).root).to.equal("SystemStatusResponse");
  });

  it("requests: the ECMA-354 session, with the login in both formats", () => {
    const base = { applicationId: "presence-hub", user: "hub", password: "s3cr<t", protocolVersion: `${NS}/priv6`, durationSeconds: 120 };
    const generic = toSimulator(rq.startApplicationSession({ ...base, loginFormat: "generic" }));
    expect(generic).to.deep.include({ root: "StartApplicationSession", namespace: SESSION_NAMESPACE });
    expect(Object.fromEntries(generic.leaves)).to.include({ applicationID: "presence-hub", user: "hub", password: "s3cr<t", protocolVersion: `${NS}/priv6`, requestedSessionDuration: "120" });
    const avaya = toSimulator(rq.startApplicationSession({ ...base, loginFormat: "avaya" }));
    expect(Object.fromEntries(avaya.leaves)).to.include({ userName: "hub", password: "s3cr<t", sessionCleanupDelay: "120" });
    expect(Object.fromEntries(toSimulator(rq.resetApplicationSessionTimer("S1", 60)).leaves)).to.include({ sessionID: "S1", requestedSessionDuration: "60" });
    expect(toSimulator(rq.stopApplicationSession("S1")).leaves.get("definedEndReason")).to.equal("normal");
  });

  it("responses: monitor, snapshots, system status, errors, in any edition", () => {
    expect(toClient(sim.monitorStartResponse(NS4, "42"))).to.deep.equal({ type: "MonitorStartResponse", crossRefId: "42" });
    expect(toClient(sim.emptyResponse(NS, "MonitorStopResponse"))).to.deep.equal({ type: "MonitorStopResponse" });
    expect(toClient(sim.snapshotDeviceResponse(NS, "1001", [{ callId: "C1", state: "connected" }, { callId: "C2", state: "hold" }]))).to.deep.equal({
      type: "SnapshotDeviceResponse",
      calls: [
        { callId: "C1", state: "connected" },
        { callId: "C2", state: "hold" },
      ],
    });
    expect(toClient(sim.snapshotDeviceResponse(NS, "1001", []))).to.deep.equal({ type: "SnapshotDeviceResponse", calls: [] });
    expect(toClient(sim.getDoNotDisturbResponse(NS, true))).to.deep.equal({ type: "GetDoNotDisturbResponse", on: true });
    expect(toClient(sim.getForwardingResponse(NS, [{ type: "forwardImmediate", active: true, destination: "8000" }, { type: "forwardBusy", active: false }]))).to.deep.equal({
      type: "GetForwardingResponse",
      settings: [
        { type: "forwardImmediate", active: true, destination: "8000" },
        { type: "forwardBusy", active: false, destination: undefined },
      ],
    });
    expect(toClient(sim.requestSystemStatusResponse(NS, "normal"))).to.deep.equal({ type: "RequestSystemStatusResponse", status: "normal" });
    expect(toClient(sim.systemStatus(NS, "messagesLost"))).to.deep.equal({ type: "SystemStatus", status: "messagesLost" });
    expect(toClient(sim.cstaErrorCode(NS, "operation", "invalidDeviceID"))).to.deep.equal({ type: "CSTAErrorCode", error: { category: "operation", value: "invalidDeviceID", status: "not-found" } });
  });

  it("responses: the session's positive and negative answers", () => {
    expect(toClient(sim.startSessionPos("S9", 90, NS))).to.deep.equal({ type: "StartApplicationSessionPosResponse", sessionId: "S9", durationSeconds: 90 });
    expect(toClient(sim.sessionNeg("StartApplicationSessionNegResponse", "invalidApplicationInfo"))).to.deep.equal({ type: "StartApplicationSessionNegResponse", reason: "invalidApplicationInfo" });
    expect(toClient(sim.sessionPos("ResetApplicationSessionTimerPosResponse"))).to.deep.equal({ type: "ResetApplicationSessionTimerPosResponse" });
  });

  it("events keep their XML for translation, with the monitor's cross-reference id", () => {
    const m = toClient(sim.eventDocument(NS, "DeliveredEvent", "42", sim.connection("connection", "C1", "1001")));
    expect(m).to.deep.include({ type: "event", name: "DeliveredEvent", crossRefId: "42" });
  });

  it("unknown roots come back as unknown; a known message missing its id is malformed", () => {
    expect(decodeIncoming('<Foo xmlns="urn:x"/>')).to.deep.equal({ type: "unknown", name: "Foo", ns: "urn:x" });
    expect(decodeIncoming(`<Whatever xmlns="${NS}"/>`)).to.deep.include({ type: "unknown", name: "Whatever" });
    expect(() => decodeIncoming(`<MonitorStartResponse xmlns="${NS}"/>`)).to.throw(MalformedMessageError);
  });

  for (const framing of ["length-header", "nul-terminated"] as const) {
    it(`${framing}: simulator frames reach the client intact at every split point, and back`, () => {
      const a = sim.monitorStartResponse(NS, "1");
      const b = sim.eventDocument(NS, "DoNotDisturbEvent", "1", sim.device("device", "1001") + "<doNotDisturbOn>true</doNotDisturbOn>");
      const down = Buffer.concat([frame(framing, a, "0001"), frame(framing, b, "9999")]);
      for (let cut = 0; cut <= down.length; cut++) {
        const d = new FrameDecoder(framing);
        const got = [...d.push(down.subarray(0, cut)), ...d.push(down.subarray(cut))].map((f) => decodeIncoming(f.payload).type);
        expect(got, `cut ${cut}`).to.deep.equal(["MonitorStartResponse", "event"]);
      }
      const up = Buffer.concat([encodeFrame(framing, "0001", rq.monitorStart(NS, "1001")), encodeFrame(framing, "0002", rq.snapshotDevice(NS, "1001"))]);
      for (let cut = 0; cut <= up.length; cut++) {
        const d = new SimDeframer(framing);
        const got = [...d.feed(up.subarray(0, cut)), ...d.feed(up.subarray(cut))].map((m) => parseFlat(m.xml).root);
        expect(got, `cut ${cut}`).to.deep.equal(["MonitorStart", "SnapshotDevice"]);
      }
    });
  }
});
