import type { ConnectorStatus } from "../model/connector-status.js";
import type { PresenceField } from "../model/presence-status.js";
import type { RichState, TelephonyState } from "../model/presence-state.js";
import type { User } from "../model/user.js";

/** A user's shown presence changed in one field. */
export interface PresenceChanged {
  readonly type: "presence";
  readonly username: string;
  readonly field: PresenceField;
  readonly state: TelephonyState | RichState;
}

/** A user was added or edited (`user` set) or removed (`user` null). */
export interface UserChanged {
  readonly type: "user";
  readonly username: string;
  readonly user: User | null;
}

/** A connector's health or service state changed. */
export interface ConnectorChanged {
  readonly type: "connector";
  readonly id: string;
  readonly status: ConnectorStatus;
  readonly detail: string | null;
}

/** A connector's configuration was saved or removed (other cluster nodes re-read it). */
export interface ConnectorConfigChanged {
  readonly type: "connector-config";
  readonly id: string;
}

/** A system setting changed (e.g. `telephony.voicemailPilot`). */
export interface SettingChanged {
  readonly type: "setting";
  readonly key: string;
  readonly value: unknown;
}

/**
 * A plugin-contributed part of a user's representation changed (e.g. the notes plugin's
 * `note`). Consoles re-read the user's representation.
 */
export interface AnnotationChanged {
  readonly type: "annotation";
  readonly username: string;
  readonly name: string;
  readonly value: unknown;
}

export type HubEvent = PresenceChanged | UserChanged | ConnectorChanged | ConnectorConfigChanged | SettingChanged | AnnotationChanged;

/** An event as delivered: numbered in publication order (monotonic per node). */
export interface HubEnvelope {
  readonly seq: number;
  readonly at: number;
  readonly event: HubEvent;
  /** Caused by another cluster node (already shared; not to be shared again). */
  readonly remote?: boolean;
}
