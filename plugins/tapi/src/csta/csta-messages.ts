import type { XmlElement } from "@presence-hub/core";
import type { ConnectionState, ForwardSetting, SnapshotCall } from "../link/device-event.js";
import { readCstaDocument } from "./csta-document.js";
import { readCstaError, type CstaError } from "./csta-error-code.js";
import { isCstaNamespace, SESSION_NAMESPACE } from "./csta-namespaces.js";
import { child, childrenNamed, childText, descendant } from "./xml-query.js";

/**
 * Incoming CSTA XML messages, decoded into what the link needs. Events stay as XML nodes here:
 * turning them into device events needs to know which device the monitor watches
 * (see csta-events.ts).
 */
export type CstaIncoming =
  | { readonly type: "MonitorStartResponse"; readonly crossRefId: string }
  | { readonly type: "MonitorStopResponse" }
  | { readonly type: "SnapshotDeviceResponse"; readonly calls: readonly SnapshotCall[] }
  | { readonly type: "GetDoNotDisturbResponse"; readonly on: boolean }
  | { readonly type: "GetForwardingResponse"; readonly settings: readonly ForwardSetting[] }
  | { readonly type: "RequestSystemStatusResponse"; readonly status: string | undefined }
  | { readonly type: "StartApplicationSessionPosResponse"; readonly sessionId: string; readonly durationSeconds: number | undefined }
  | { readonly type: "StartApplicationSessionNegResponse"; readonly reason: string }
  | { readonly type: "ResetApplicationSessionTimerPosResponse" }
  | { readonly type: "ResetApplicationSessionTimerNegResponse"; readonly reason: string }
  | { readonly type: "StopApplicationSessionPosResponse" }
  | { readonly type: "CSTAErrorCode"; readonly error: CstaError }
  | { readonly type: "SystemStatus"; readonly status: string }
  | { readonly type: "MonitorEnded"; readonly crossRefId: string | undefined }
  | { readonly type: "event"; readonly name: string; readonly crossRefId: string | undefined; readonly root: XmlElement }
  | { readonly type: "unknown"; readonly name: string; readonly ns: string };

/** A well-formed document that lacks what its kind requires (e.g. a MonitorStartResponse without id). */
export class MalformedMessageError extends Error {
  override readonly name = "MalformedMessageError";
}

/** The response types that answer a request (everything a pending request may be settled by). */
export type CstaResponseType = Exclude<CstaIncoming["type"], "SystemStatus" | "MonitorEnded" | "event" | "unknown">;

const LOCAL_STATES: ReadonlySet<string> = new Set(["null", "initiated", "alerting", "connected", "hold", "queued", "fail"]);

/**
 * Decodes one message. Throws the core reader's `XmlError` for broken or hostile XML and
 * {@link MalformedMessageError} for a known message missing required parts; unknown messages
 * come back as `unknown` so the caller can log and skip them.
 */
export function decodeIncoming(payload: Uint8Array | string): CstaIncoming {
  const root = readCstaDocument(payload);
  const name = root.localName;
  if (root.namespaceURI === SESSION_NAMESPACE) return decodeSession(root);
  if (!isCstaNamespace(root.namespaceURI)) return { type: "unknown", name, ns: root.namespaceURI };
  switch (name) {
    case "MonitorStartResponse": {
      const crossRefId = childText(root, "monitorCrossRefID");
      if (!crossRefId) throw new MalformedMessageError("MonitorStartResponse without monitorCrossRefID");
      return { type: name, crossRefId };
    }
    case "MonitorStopResponse":
    case "StopApplicationSessionPosResponse":
      return { type: name } as CstaIncoming;
    case "SnapshotDeviceResponse":
      return { type: name, calls: snapshotCalls(root) };
    case "GetDoNotDisturbResponse": {
      const on = bool(childText(root, "doNotDisturbOn"));
      if (on === undefined) throw new MalformedMessageError("GetDoNotDisturbResponse without doNotDisturbOn");
      return { type: name, on };
    }
    case "GetForwardingResponse":
      return { type: name, settings: forwardingList(root) };
    case "RequestSystemStatusResponse":
      return { type: name, status: childText(root, "systemStatus") };
    case "CSTAErrorCode":
      return { type: name, error: readCstaError(root) };
    case "SystemStatus":
      return { type: name, status: childText(root, "systemStatus") ?? "normal" };
    case "MonitorEnded":
    case "MonitorEndedEvent":
      return { type: "MonitorEnded", crossRefId: childText(root, "monitorCrossRefID") };
  }
  if (name.endsWith("Event")) return { type: "event", name, crossRefId: childText(root, "monitorCrossRefID"), root };
  return { type: "unknown", name, ns: root.namespaceURI };
}

function decodeSession(root: XmlElement): CstaIncoming {
  switch (root.localName) {
    case "StartApplicationSessionPosResponse": {
      const sessionId = childText(root, "sessionID");
      if (!sessionId) throw new MalformedMessageError("StartApplicationSessionPosResponse without sessionID");
      const d = Number(childText(root, "actualSessionDuration"));
      return { type: root.localName, sessionId, durationSeconds: Number.isFinite(d) && d > 0 ? d : undefined };
    }
    case "StartApplicationSessionNegResponse":
    case "ResetApplicationSessionTimerNegResponse":
      return { type: root.localName, reason: sessionError(root) };
    case "ResetApplicationSessionTimerPosResponse":
    case "StopApplicationSessionPosResponse":
      return { type: root.localName } as CstaIncoming;
  }
  return { type: "unknown", name: root.localName, ns: root.namespaceURI };
}

/** ECMA-354 negative responses carry `errorCode/definedError` (or an application-specific text). */
function sessionError(root: XmlElement): string {
  const code = child(root, "errorCode");
  const defined = childText(code, "definedError");
  if (defined) return defined;
  const text = code ? (code.children[0]?.text ?? code.text).trim() : "";
  return text || "refused without a reason";
}

/** `crossRefIDorSnapshotData/snapshotData/snapshotDeviceResponseInfo*`. */
function snapshotCalls(root: XmlElement): SnapshotCall[] {
  const data = descendant(root, "snapshotData");
  const out: SnapshotCall[] = [];
  for (const info of childrenNamed(data, "snapshotDeviceResponseInfo")) {
    const callId = childText(info, "connectionIdentifier", "callID");
    if (!callId) continue;
    out.push({ callId, state: snapshotState(child(info, "localCallState")) });
  }
  return out;
}

/**
 * The device's state in a snapshot call: a compound state's `localConnectionState`, or a simple
 * call state (`callReceived` = the device is alerted, `callDelivered` = it called and the other
 * party rings, `…Held` = held, …).
 */
function snapshotState(node: XmlElement | undefined): ConnectionState {
  const local = descendant(node, "localConnectionState")?.text.trim();
  if (local && LOCAL_STATES.has(local)) return local as ConnectionState;
  const simple = (childText(node, "simpleCallState") ?? node?.children[0]?.text ?? "").trim();
  if (/Held$|OnHold$/i.test(simple)) return "hold";
  switch (simple) {
    case "callNull":
      return "null";
    case "callPending":
    case "callOriginated":
      return "initiated";
    case "callReceived":
      return "alerting";
    case "callQueued":
      return "queued";
    case "callFailed":
    case "callBlocked":
      return "fail";
  }
  // callDelivered, callEstablished and anything unknown: the device is in the call.
  return "connected";
}

/** `forwardingList/forwardListItem*`: type, status and destination of each forwarding type. */
function forwardingList(root: XmlElement): ForwardSetting[] {
  const out: ForwardSetting[] = [];
  for (const item of childrenNamed(child(root, "forwardingList"), "forwardListItem")) {
    const type = childText(item, "forwardingType");
    const active = bool(childText(item, "forwardStatus"));
    if (!type || active === undefined) continue;
    const destination = childText(item, "forwardDN") || childText(item, "forwardTo") || undefined;
    out.push({ type, active, destination });
  }
  return out;
}

/** xs:boolean. */
export function bool(text: string | undefined): boolean | undefined {
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  return undefined;
}
