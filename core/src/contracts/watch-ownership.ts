import type { Observation, UserKey } from "../model/observation.js";
import type { PresenceField } from "../model/presence-status.js";

/**
 * Who does the watching when several hub nodes share one store (cluster mode). The hub asks it
 * before telling a connector to watch a target, tells it when local demand for a user starts or
 * ends, and hands it every local observation to share. A single node owns everything.
 *
 * Rules: `owns()` and `demandedElsewhere()` are synchronous and cheap (the hub calls them on
 * every watch decision); when their answers change, the implementation calls
 * `Hub.reconcileWatches()` so the hub watches and unwatches accordingly.
 */
export interface WatchOwnership {
  /** This node must watch `key` for `field` through connector `connectorId`. */
  owns(connectorId: string, field: PresenceField, key: UserKey): boolean;
  /** Another node has demand for the user (its consoles watch them). */
  demandedElsewhere(username: string): boolean;
  /** Local demand for a user started (true) or ended (false). */
  localDemandChanged(username: string, demanded: boolean): void;
  /** A connector of this node observed something: share it with the other nodes. */
  shareObservation(observation: Observation): void;
}

/** One node: owns all, shares nothing. */
export const SINGLE_NODE: WatchOwnership = {
  owns: () => true,
  demandedElsewhere: () => false,
  localDemandChanged: () => {},
  shareObservation: () => {},
};
