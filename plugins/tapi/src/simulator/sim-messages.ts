import { leaf, tag, xmlDocument } from "./sim-xml.js";

/**
 * What the simulated switch writes: ECMA-323 responses and events, ECMA-354 session answers.
 * Bodies exclude `monitorCrossRefID`; {@link eventDocument} puts it first, per monitor.
 */

const SESSION_NS = "http://www.ecma-international.org/standards/ecma-354/appl_session";

/** The device's state in a call, as ECMA-269 local connection states. */
export type SimLocalState = "null" | "initiated" | "alerting" | "connected" | "hold" | "queued" | "fail";

/** `<name><callID/><deviceID/></name>`: a connection id. */
export function connection(name: string, callId: string, device: string): string {
  return tag(name, leaf("callID", callId) + leaf("deviceID", device));
}

/** `<name><deviceIdentifier/></name>`: an extended device id. */
export function device(name: string, id: string): string {
  return tag(name, leaf("deviceIdentifier", id));
}

/** An event for one monitor. */
export function eventDocument(ns: string, name: string, crossRefId: string, body: string): string {
  return xmlDocument(name, ns, leaf("monitorCrossRefID", crossRefId) + body);
}

/** MonitorStartResponse with the new monitor's cross-reference id. */
export function monitorStartResponse(ns: string, crossRefId: string): string {
  return xmlDocument("MonitorStartResponse", ns, leaf("monitorCrossRefID", crossRefId) + tag("actualMonitorFilter"));
}

/** A response without content (MonitorStopResponse, …). */
export function emptyResponse(ns: string, name: string): string {
  return xmlDocument(name, ns);
}

/** SnapshotDeviceResponse with a compound call state per call. */
export function snapshotDeviceResponse(ns: string, deviceId: string, calls: readonly { callId: string; state: SimLocalState }[]): string {
  const items = calls
    .map((c) =>
      tag(
        "snapshotDeviceResponseInfo",
        connection("connectionIdentifier", c.callId, deviceId) + tag("localCallState", tag("compoundCallState", leaf("localConnectionState", c.state))),
      ),
    )
    .join("");
  return xmlDocument("SnapshotDeviceResponse", ns, tag("crossRefIDorSnapshotData", tag("snapshotData", items)));
}

/** GetDoNotDisturbResponse. */
export function getDoNotDisturbResponse(ns: string, on: boolean): string {
  return xmlDocument("GetDoNotDisturbResponse", ns, leaf("doNotDisturbOn", on));
}

/** GetForwardingResponse: one `forwardListItem` per forwarding type the device has. */
export function getForwardingResponse(ns: string, settings: readonly { type: string; active: boolean; destination?: string }[]): string {
  const items = settings
    .map((s) => tag("forwardListItem", leaf("forwardingType", s.type) + leaf("forwardStatus", s.active) + (s.destination ? leaf("forwardDN", s.destination) : "")))
    .join("");
  return xmlDocument("GetForwardingResponse", ns, tag("forwardingList", items));
}

/** RequestSystemStatusResponse: the answer to a client's keep-alive. */
export function requestSystemStatusResponse(ns: string, status: string): string {
  return xmlDocument("RequestSystemStatusResponse", ns, leaf("systemStatus", status));
}

/** SystemStatus sent by the switch (`normal`, `messagesLost`, `disabled`, …); clients acknowledge it. */
export function systemStatus(ns: string, status: string): string {
  return xmlDocument("SystemStatus", ns, leaf("systemStatus", status));
}

/** A negative response: `<CSTAErrorCode><category>value</category></CSTAErrorCode>`. */
export function cstaErrorCode(ns: string, category: string, value: string): string {
  return xmlDocument("CSTAErrorCode", ns, leaf(category, value));
}

/** StartApplicationSessionPosResponse: session id, protocol version and granted duration. */
export function startSessionPos(sessionId: string, seconds: number, protocolVersion: string): string {
  return xmlDocument("StartApplicationSessionPosResponse", SESSION_NS, leaf("sessionID", sessionId) + leaf("actualProtocolVersion", protocolVersion) + leaf("actualSessionDuration", seconds));
}

/** A negative ECMA-354 answer with a defined error. */
export function sessionNeg(name: "StartApplicationSessionNegResponse" | "ResetApplicationSessionTimerNegResponse", error: string): string {
  return xmlDocument(name, SESSION_NS, tag("errorCode", leaf("definedError", error)));
}

/** A positive ECMA-354 answer without content. */
export function sessionPos(name: "ResetApplicationSessionTimerPosResponse" | "StopApplicationSessionPosResponse"): string {
  return xmlDocument(name, SESSION_NS);
}
