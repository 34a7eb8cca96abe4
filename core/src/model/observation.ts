import type { ErrorStatus, PresenceField, RichStandardStatus } from "./presence-status.js";

/**
 * What a connector saw, emitted into the hub's {@link ObservationSink}. Connectors report facts;
 * the aggregator turns them into the shown status, so precedence rules live in one place.
 */
export type Observation = TelephonyObservation | RichObservation;

/** How a connector names the user it observed; the hub maps it to a username. */
export interface UserKey {
  readonly by: "extension" | "sipUri" | "username";
  readonly value: string;
}

/** Line state as a telephony source sees it, before DND and forwarding are applied. */
export type LineState = "available" | "ringing" | "busy" | "offline";

/** Details shown with a telephony state; all optional, sources fill what they know. */
export interface TelephonyDetail {
  /** Call direction of the most relevant call. */
  readonly direction?: "inbound" | "outbound";
  /** The other party of the most relevant call (number or URI). */
  readonly remoteParty?: string;
  /** Number of calls the source sees on the line. */
  readonly calls?: number;
  /** Free text from the source (e.g. an Asterisk PIDF `<note>`). */
  readonly note?: string;
  /** Epoch ms since when the line is in its current state, if the source knows better than "now". */
  readonly since?: number;
}

/** Facts a telephony source established for one user. */
export interface TelephonyFacts {
  readonly kind: "state";
  readonly line: LineState;
  /** Do-not-disturb is on. Beats forwarding and the line state. */
  readonly dnd?: boolean;
  /** Unconditional forward target (number or URI) when calls are diverted. Beats the line state. */
  readonly forwardTo?: string;
  readonly detail?: TelephonyDetail;
}

/** Facts a rich-presence source established for one user. */
export interface RichFacts {
  readonly kind: "state";
  readonly status: RichStandardStatus;
  /** The user's free-text status message ("In a meeting until 3"). */
  readonly message?: string;
}

/** The source could not tell: 403 → `access-denied`, 404 → `not-found`, anything else → `error`. */
export interface ErrorReport {
  readonly kind: "error";
  readonly status: ErrorStatus;
  /** Human-readable reason, e.g. "408 Request Timeout" or "connector stopped". */
  readonly reason: string;
}

/** The request went out and no answer has come yet. */
export interface RequestingReport {
  readonly kind: "requesting";
}

/** The source withdraws what it said (e.g. the user is no longer watched). */
export interface ClearedReport {
  readonly kind: "cleared";
}

export type TelephonyReport = TelephonyFacts | ErrorReport | RequestingReport | ClearedReport;
export type RichReport = RichFacts | ErrorReport | RequestingReport | ClearedReport;

interface ObservationBase {
  /** Connector instance id (e.g. `pbx-main`). */
  readonly source: string;
  readonly userKey: UserKey;
  /** When the source saw it, epoch ms. */
  readonly at: number;
}

export interface TelephonyObservation extends ObservationBase {
  readonly field: "telephony";
  readonly report: TelephonyReport;
}

export interface RichObservation extends ObservationBase {
  readonly field: "rich";
  readonly report: RichReport;
}

export type ReportFor<F extends PresenceField> = F extends "telephony" ? TelephonyReport : RichReport;
