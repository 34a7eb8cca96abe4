import type { XmlElement } from "@presence-hub/core";
import type { ConnectionState, DeviceEvent } from "../link/device-event.js";
import { bool } from "./csta-messages.js";
import { deviceIdOf, displayDeviceId, sameDevice } from "./device-id.js";
import { child, childrenNamed, childText } from "./xml-query.js";

/**
 * ECMA-323 events → device events, for the device a monitor watches.
 *
 * The device's own state in a call comes from `localConnectionInfo` when the switch sends it
 * (ECMA-269: "the connection state of the monitored device's connection"), which is exact
 * whatever the call topology. Without it, the event's meaning and its device fields decide:
 * a DeliveredEvent whose alerting device is ours rings here, otherwise we are the caller, etc.
 */

/** For each call event: the element naming the connection the event is about. */
const CONNECTION: Readonly<Record<string, string>> = {
  DeliveredEvent: "connection",
  EstablishedEvent: "establishedConnection",
  ConnectionClearedEvent: "droppedConnection",
  HeldEvent: "heldConnection",
  RetrievedEvent: "retrievedConnection",
  DivertedEvent: "connection",
  OriginatedEvent: "originatedConnection",
  ServiceInitiatedEvent: "initiatedConnection",
  FailedEvent: "failedConnection",
  QueuedEvent: "queuedConnection",
};

/** The events presence ignores on purpose (agent state, media, call information…). */
export const IGNORED_EVENTS: ReadonlySet<string> = new Set([
  "CallInformationEvent",
  "ChargingEvent",
  "DigitsDialedEvent",
  "DigitsGeneratedEvent",
  "NetworkCapabilitiesChangedEvent",
  "NetworkReachedEvent",
  "OfferedEvent",
  "BridgedEvent",
  "CallClearedEvent",
  "AgentReadyEvent",
  "AgentNotReadyEvent",
  "AgentBusyEvent",
  "AgentLoggedOnEvent",
  "AgentLoggedOffEvent",
  "AgentWorkingAfterCallEvent",
  "HookswitchEvent",
  "MessageWaitingEvent",
  "MediaAttachedEvent",
  "MediaDetachedEvent",
  "MicrophoneMuteEvent",
  "SpeakerMuteEvent",
  "RingerStatusEvent",
  "DisplayUpdatedEvent",
  "LampModeEvent",
  "PrivateEvent",
]);

/**
 * The device events an ECMA-323 event means for `device`, or null when the event is not one
 * presence knows (the caller logs and skips it). An ignored event yields an empty list.
 */
export function translateEvent(name: string, root: XmlElement, device: string): DeviceEvent[] | null {
  if (name in CONNECTION) return callEvent(name, root, device);
  switch (name) {
    case "DoNotDisturbEvent": {
      const on = bool(childText(root, "doNotDisturbOn"));
      return on === undefined ? null : [{ kind: "dnd", on }];
    }
    case "ForwardingEvent": {
      const active = bool(childText(root, "forwardStatus"));
      if (active === undefined) return null;
      // An event without a type is about unconditional forwarding (BroadSoft and Cisco phones).
      const type = childText(root, "forwardingType") || "forwardImmediate";
      const destination = deviceIdOf(child(root, "forwardTo")) ?? deviceIdOf(child(root, "forwardDN"));
      return [{ kind: "forwarding", setting: { type, active, destination: destination && active ? displayDeviceId(destination) : undefined } }];
    }
    case "OutOfServiceEvent":
      return [{ kind: "service", inService: false }];
    case "BackInServiceEvent":
      return [{ kind: "service", inService: true }];
    case "TransferredEvent":
    case "ConferencedEvent":
      return mergedCalls(name, root, device);
  }
  return IGNORED_EVENTS.has(name) ? [] : null;
}

function callEvent(name: string, root: XmlElement, device: string): DeviceEvent[] | null {
  const callId = childText(root, CONNECTION[name]!, "callID");
  if (!callId) return null;
  const ours = (field: string) => sameDevice(deviceIdOf(child(root, field)), device);
  const party = (field: string) => {
    const id = deviceIdOf(child(root, field));
    return id && !sameDevice(id, device) ? displayDeviceId(id) : undefined;
  };
  let fallback: ConnectionState;
  let direction: "inbound" | "outbound" | undefined;
  let remoteParty: string | undefined;
  switch (name) {
    case "DeliveredEvent": {
      const local = localState(root);
      const alertedHere = local ? local === "alerting" : ours("alertingDevice") || (!ours("callingDevice") && ours("calledDevice"));
      if (alertedHere) {
        fallback = "alerting";
        direction = "inbound";
        remoteParty = party("callingDevice");
      } else {
        fallback = "connected";
        direction = "outbound";
        remoteParty = party("alertingDevice") ?? party("calledDevice");
      }
      break;
    }
    case "EstablishedEvent":
      fallback = "connected";
      if (ours("callingDevice") && !ours("answeringDevice")) {
        direction = "outbound";
        remoteParty = party("answeringDevice") ?? party("calledDevice");
      } else {
        direction = "inbound";
        remoteParty = party("callingDevice");
      }
      break;
    case "ConnectionClearedEvent":
      // Without localConnectionInfo: someone left; in a two-party call the call is over for us.
      fallback = "null";
      break;
    case "HeldEvent":
      fallback = ours("holdingDevice") || !child(root, "holdingDevice") ? "hold" : "connected";
      break;
    case "RetrievedEvent":
      fallback = "connected";
      break;
    case "DivertedEvent":
      fallback = ours("newDestination") && !ours("divertingDevice") ? "alerting" : "null";
      break;
    case "OriginatedEvent":
      fallback = "connected";
      direction = "outbound";
      remoteParty = party("calledDevice");
      break;
    case "ServiceInitiatedEvent":
      fallback = "initiated";
      direction = "outbound";
      break;
    case "FailedEvent":
      fallback = "fail";
      break;
    default: // QueuedEvent
      fallback = "queued";
  }
  const state = localState(root) ?? fallback;
  return [{ kind: "call", callId, state, direction, remoteParty, cause: name }];
}

/**
 * Transfer and conference replace calls: the old ones end at our device and, unless we left
 * (`localConnectionInfo` null), the resulting call continues in our connection's state.
 */
function mergedCalls(name: string, root: XmlElement, device: string): DeviceEvent[] {
  const out: DeviceEvent[] = [];
  const state = localState(root);
  const old = [childText(root, "primaryOldCall", "callID"), childText(root, "secondaryOldCall", "callID")].filter((c): c is string => !!c);
  const listName = name === "TransferredEvent" ? "transferredConnections" : "conferenceConnections";
  let newCall: string | undefined;
  for (const item of childrenNamed(child(root, listName), "connectionListItem")) {
    const id = childText(item, "newConnection", "callID");
    if (id) newCall = id;
  }
  for (const callId of old) if (callId !== newCall) out.push({ kind: "call", callId, state: "null", cause: name });
  const left = name === "TransferredEvent" && sameDevice(deviceIdOf(child(root, "transferringDevice")), device);
  if (newCall) out.push({ kind: "call", callId: newCall, state: left ? "null" : (state ?? "connected"), cause: name });
  return out;
}

function localState(root: XmlElement): ConnectionState | undefined {
  const v = childText(root, "localConnectionInfo");
  return v === "null" || v === "initiated" || v === "alerting" || v === "connected" || v === "hold" || v === "queued" || v === "fail" ? v : undefined;
}
