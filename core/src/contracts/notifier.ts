import type { HubEnvelope } from "./hub-event.js";

/**
 * Fans hub events out: to WebSocket consoles, to other cluster nodes, to plugins. Registered on
 * the {@link EventBus}; called synchronously in publication order.
 *
 * ```
 *   registered ──► receives deliver() for every event ──unregister──► detached
 * ```
 * Rules: `deliver()` runs on the hot path (NOTIFY in → console out). It MUST NOT block or throw;
 * slow work is queued and done later (coalesced). An exception is logged and the notifier keeps
 * receiving; other notifiers are unaffected.
 */
export interface Notifier {
  readonly name: string;
  deliver(envelope: HubEnvelope): void;
}
