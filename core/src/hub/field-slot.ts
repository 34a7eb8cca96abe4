import type { Observation, UserKey } from "../model/observation.js";
import type { PresenceField } from "../model/presence-status.js";
import type { RichState, TelephonyState } from "../model/presence-state.js";
import type { User } from "../model/user.js";
import { SmallMap } from "../util/small-map.js";
import { SmallSet } from "../util/small-set.js";

/**
 * The hub's live record of one user's field: what each source said (the observations themselves,
 * kept as they arrived: no copies on the hot path), the shown state, and whether the field is
 * being watched.
 */
export class FieldSlot {
  /** Latest observation per source id (usually one source: a SmallMap, not a Map). */
  readonly reports = new SmallMap<string, Observation>();
  state: TelephonyState | RichState | null = null;
  /** The key connectors were asked to watch, while watched. */
  watchedKey: UserKey | null = null;
  /** Connectors currently told to watch this slot's key (usually one: a SmallSet, not a Set). */
  readonly watchingConnectors = new SmallSet<string>();

  constructor(
    readonly username: string,
    readonly field: PresenceField,
  ) {}
}

/** A user's runtime record: both fields and who wants them watched. */
export class UserRecord {
  readonly telephony: FieldSlot;
  readonly rich: FieldSlot;
  /** Who wants this user watched: console connections, `diagnostics`, `monitor-all` (usually one). */
  readonly demand = new SmallSet<string>();

  constructor(public user: User) {
    this.telephony = new FieldSlot(user.username, "telephony");
    this.rich = new FieldSlot(user.username, "rich");
  }

  slot(field: PresenceField): FieldSlot {
    return field === "telephony" ? this.telephony : this.rich;
  }
}
