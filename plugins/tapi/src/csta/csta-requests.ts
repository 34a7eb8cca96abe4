import { AVAYA_NAMESPACE, SESSION_NAMESPACE } from "./csta-namespaces.js";
import { document, el, type XmlOut } from "./xml-writer.js";

/**
 * The requests the client sends, as ECMA-323 / ECMA-354 XML documents. Only what presence needs:
 * monitoring, the three snapshots, system status and the application session.
 */

/** How a login is put into `applicationSpecificInfo` (vendors differ; ECMA-354 leaves it open). */
export type LoginFormat = "generic" | "avaya";

/** What StartApplicationSession carries. */
export interface SessionRequest {
  readonly applicationId: string;
  readonly user: string;
  readonly password: string;
  readonly loginFormat: LoginFormat;
  /** `requestedProtocolVersions/protocolVersion`: usually the CSTA namespace, sometimes a vendor's `…/privN`. */
  readonly protocolVersion: string;
  readonly durationSeconds: number;
}

/** MonitorStart on a device (all events: no filter, so every switch accepts it). */
export function monitorStart(ns: string, device: string): string {
  return document(el("MonitorStart", [el("monitorObject", [el("deviceObject", device)])]), ns);
}

/** MonitorStop of one monitor. */
export function monitorStop(ns: string, crossRefId: string): string {
  return document(el("MonitorStop", [el("monitorCrossRefID", crossRefId)]), ns);
}

/** SnapshotDevice: the calls at a device and the device's state in each. */
export function snapshotDevice(ns: string, device: string): string {
  return document(el("SnapshotDevice", [el("snapshotObject", device)]), ns);
}

/** GetDoNotDisturb of a device. */
export function getDoNotDisturb(ns: string, device: string): string {
  return document(el("GetDoNotDisturb", [el("device", device)]), ns);
}

/** GetForwarding of a device: every forwarding type with its status and destination. */
export function getForwarding(ns: string, device: string): string {
  return document(el("GetForwarding", [el("device", device)]), ns);
}

/** RequestSystemStatus: our keep-alive; any answer proves the link and the switch alive. */
export function requestSystemStatus(ns: string): string {
  return document(el("RequestSystemStatus"), ns);
}

/** The acknowledgement of a SystemStatus the switch sent. */
export function systemStatusResponse(ns: string): string {
  return document(el("SystemStatusResponse"), ns);
}

/** ECMA-354 StartApplicationSession with the login in `applicationSpecificInfo`. */
export function startApplicationSession(r: SessionRequest): string {
  // Avaya AE Services expects its own qualified SessionLoginInfo; OpenScape Business and most
  // others read plain user/password elements.
  const login: XmlOut[] =
    r.loginFormat === "avaya"
      ? [
          el(
            "acx:SessionLoginInfo",
            [el("acx:userName", r.user), el("acx:password", r.password), el("acx:sessionCleanupDelay", String(r.durationSeconds))],
            { "xmlns:acx": AVAYA_NAMESPACE },
          ),
        ]
      : [el("user", r.user), el("password", r.password)];
  return document(
    el("StartApplicationSession", [
      el("applicationInfo", [el("applicationID", r.applicationId), el("applicationSpecificInfo", login)]),
      el("requestedProtocolVersions", [el("protocolVersion", r.protocolVersion)]),
      el("requestedSessionDuration", String(r.durationSeconds)),
    ]),
    SESSION_NAMESPACE,
  );
}

/** ECMA-354 ResetApplicationSessionTimer: keeps the session from expiring. */
export function resetApplicationSessionTimer(sessionId: string, durationSeconds: number): string {
  return document(el("ResetApplicationSessionTimer", [el("sessionID", sessionId), el("requestedSessionDuration", String(durationSeconds))]), SESSION_NAMESPACE);
}

/** ECMA-354 StopApplicationSession, sent when the connector stops. */
export function stopApplicationSession(sessionId: string): string {
  return document(el("StopApplicationSession", [el("sessionID", sessionId), el("sessionEndReason", [el("definedEndReason", "normal")])]), SESSION_NAMESPACE);
}
