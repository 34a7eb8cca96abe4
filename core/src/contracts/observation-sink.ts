import type { ConnectorStatus } from "../model/connector-status.js";
import type { Observation } from "../model/observation.js";

/**
 * Where a connector puts what it learns. Injected per connector instance; the connector never
 * talks to the store or the web (DESIGN §3).
 */
export interface ObservationSink {
  /** Report a fact, an error or a withdrawal for one user. Cheap: called on the hot path. */
  observe(observation: Observation): void;
  /** Report the connector's health, e.g. `connection-error` with "no answer from 192.0.2.10:5060". */
  status(status: ConnectorStatus, detail?: string): void;
  /**
   * Resolves once everything this connector observed so far is committed to the store, so a
   * crash after that loses none of it. Presence is written behind (one transaction per 50 ms):
   * a connector that acknowledges what it is told (http-push answers 202) awaits this first.
   * Optional so sinks written for tests need not have it; the hub's sink always does.
   */
  durable?(): Promise<void>;
}
