/**
 * What a CTI link reports about one monitored device, independent of the protocol. A CSTA
 * adapter translates ECMA-323 events into these; an Asterisk AMI adapter would translate
 * `DeviceStateChange`/`DND`/… the same way. The line tracker turns them into telephony facts.
 */
export type DeviceEvent = CallEvent | DndEvent | ForwardingEvent | ServiceEvent;

/**
 * The monitored device's connection to a call (ECMA-269 local connection state): `null` means
 * the device has left the call.
 */
export type ConnectionState = "null" | "initiated" | "alerting" | "connected" | "hold" | "queued" | "fail";

/** A call at the device changed: its state at the device, and who the device talks to. */
export interface CallEvent {
  readonly kind: "call";
  /** The switch's call id; the key of the call at this device. */
  readonly callId: string;
  readonly state: ConnectionState;
  /** Who called whom, from the device's point of view, when the event tells. */
  readonly direction?: "inbound" | "outbound";
  /** The other party, when the event tells. */
  readonly remoteParty?: string;
  /** The protocol's name of what happened (`DeliveredEvent`, …), for logs and notes. */
  readonly cause: string;
}

/** Do-not-disturb was switched on or off. */
export interface DndEvent {
  readonly kind: "dnd";
  readonly on: boolean;
}

/** One forwarding type was switched on or off (ECMA-269 types: `forwardImmediate`, `forwardBusy`, …). */
export interface ForwardingEvent {
  readonly kind: "forwarding";
  readonly setting: ForwardSetting;
}

/** The device went out of service (unplugged, unregistered) or came back. */
export interface ServiceEvent {
  readonly kind: "service";
  readonly inService: boolean;
}

/** One forwarding type and whether it is on, with its destination. */
export interface ForwardSetting {
  /** ECMA-269 forwarding type, e.g. `forwardImmediate`, `forwardBusy`, `forwardNoAns`. */
  readonly type: string;
  readonly active: boolean;
  readonly destination?: string;
}

/** One call in a device snapshot. */
export interface SnapshotCall {
  readonly callId: string;
  readonly state: ConnectionState;
}

/**
 * One part of a device snapshot. Parts replace what the tracker knew about their subject (all
 * calls, DND, all forwarding), so a snapshot after a reconnect leaves nothing stale.
 */
export type SnapshotPart =
  | { readonly kind: "calls"; readonly calls: readonly SnapshotCall[] }
  | { readonly kind: "dnd"; readonly on: boolean }
  | { readonly kind: "forwarding"; readonly settings: readonly ForwardSetting[] };
