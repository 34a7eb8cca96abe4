import type { PresenceField } from "../model/presence-status.js";
import type { UserKey } from "../model/observation.js";

/**
 * One thing the hub asks a connector to watch: a user's telephony presence (by first extension)
 * or rich presence (by SIP URI). The connector reports observations carrying the same `key`.
 */
export interface WatchTarget {
  readonly field: PresenceField;
  readonly key: UserKey;
  /** The user this is for, for logs and traces only; keys, not usernames, identify targets. */
  readonly username: string;
}

/** Stable identity of a target, for maps and sets. */
export function watchTargetId(field: PresenceField, key: UserKey): string {
  return `${field}|${key.by}|${key.value}`;
}
