import type { DeviceEvent, SnapshotPart } from "./device-event.js";

/**
 * A connection to a CTI server, the seam for CTI protocols: the connector speaks only this, so
 * another protocol (an Asterisk AMI adapter, a TSAPI bridge) is a new implementation of this
 * interface and nothing else. State machine:
 *
 * ```
 *   created ──open()──► open ──(peer lost, keep-alive unanswered, bad stream)──► down
 *              │ rejects: LinkOpenError          │ delegate.onDown(reason), once
 *              ▼                                  ▼
 *            closed ◄──────────── close() ─────── (any state)
 * ```
 *
 * A link is used once: after `onDown` or `close()` the connector builds a new one. Rules:
 * - `open()` connects and logs in; it resolves when `monitor()` can be called.
 * - Events, monitor endings and snapshot parts are delivered **synchronously, in wire order**:
 *   a snapshot part that arrives after an event reflects that event, so apply both as they come.
 * - Request methods reject with `DeviceRequestError` (per device) and never throw synchronously.
 * - After `close()` resolves, or after `onDown`, the delegate hears nothing more.
 */
export interface CtiLink {
  open(): Promise<void>;
  /** Ends the session politely when possible; bounded in time. */
  close(): Promise<void>;
  /** Starts monitoring a device; its events reach {@link CtiLinkDelegate.onDeviceEvent}. */
  monitor(device: string): Promise<MonitorHandle>;
  /** Stops one monitor (events stop at once); failures are only logged. */
  unmonitor(handle: MonitorHandle): Promise<void>;
  /**
   * Reads the device's current state (calls, do-not-disturb, forwarding), handing each part to
   * `apply` as it arrives. Rejects when the device itself cannot be read; parts a switch does
   * not support are skipped.
   */
  snapshot(device: string, apply: (part: SnapshotPart) => void): Promise<void>;
  /** A one-line description for the connector status (`connected to …, session …`). */
  readonly description: string;
}

/** One running monitor. */
export interface MonitorHandle {
  readonly device: string;
  /** The protocol's monitor id (CSTA `monitorCrossRefID`). */
  readonly id: string;
}

/** Where a link reports. */
export interface CtiLinkDelegate {
  /** Something happened at a monitored device. */
  onDeviceEvent(device: string, event: DeviceEvent): void;
  /** The server ended a monitor by itself. */
  onMonitorEnded(device: string, reason: string): void;
  /** The server may have lost events (e.g. CSTA `messagesLost`): re-read every snapshot. */
  onResync(reason: string): void;
  /** The link is gone (called once, never after `close()`). */
  onDown(reason: string): void;
}
