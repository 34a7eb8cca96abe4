import type { PresenceField, RichStatus, TelephonyStatus } from "./presence-status.js";
import type { TelephonyDetail } from "./observation.js";

/**
 * Where a shown state came from (DESIGN §2: "every shown state carries its provenance").
 *
 * `source` is a connector id, or `hub` for service statuses the hub derives itself.
 * `rule` names the rule that chose this source (e.g. `cti-over-sip`, `preferred-server`,
 * `fallback-order`, `only-source`, or a service rule such as `no-demand`); `derivation`
 * names the rule that turned the source's facts into the status (e.g. `dnd-over-forward`,
 * `forward-voicemail-pilot`), when one applied.
 */
export interface Provenance {
  readonly source: string;
  readonly rule: string;
  readonly derivation?: string;
  /** When the source observed it (epoch ms). */
  readonly at: number;
}

export interface TelephonyState {
  readonly status: TelephonyStatus;
  readonly detail: TelephonyDetail & {
    /** Forward target, when the status is one of the forwarded ones. */
    readonly forwardTo?: string;
    /** Why an error or service status applies. */
    readonly reason?: string;
  };
  /** Since when the status holds (epoch ms); unchanged while only details change. */
  readonly since: number;
  readonly provenance: Provenance;
}

export interface RichState {
  readonly status: RichStatus;
  readonly message: string | null;
  readonly reason?: string;
  readonly since: number;
  readonly provenance: Provenance;
}

export type StateFor<F extends PresenceField> = F extends "telephony" ? TelephonyState : RichState;

/** A user's shown presence, both fields. */
export interface UserPresence {
  readonly username: string;
  readonly telephony: TelephonyState;
  readonly rich: RichState;
}
