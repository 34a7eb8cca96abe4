import type { ConnectorStatus } from "../model/connector-status.js";
import type { PresenceField } from "../model/presence-status.js";
import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";
import type { ObservationSink } from "./observation-sink.js";
import type { WatchTarget } from "./watch-target.js";

/**
 * A source of presence: one instance per configured connector (e.g. one per presence server).
 * Built by the hub in its own DI container from a {@link ConnectorType}; the hub owns its
 * lifecycle (Manage Services), and tells it what to watch (on-demand subscriptions).
 *
 * ```
 *            start()                 stop()
 *   created ────────► running ──────────────► stopped ──start()──► running …
 *                       │  ▲
 *             watch()/unwatch() (only while running)
 *   start() rejecting ⇒ the service shows `failed` with the error's message; the hub keeps running.
 * ```
 *
 * Rules:
 * - The constructor MUST NOT do I/O. `start()` opens sockets and resolves once the connector
 *   accepts `watch()`; it need not be connected yet, health goes through `sink.status()`.
 * - `watch()`/`unwatch()` MUST NOT throw for network reasons and are idempotent per target;
 *   outcomes (state, `requesting`, errors) come back as observations.
 * - After `start()` the hub calls `watch()` again for every current target.
 * - The connector MUST report loss of its server (`connection-error`), never hide it, and
 *   recovers by itself with paced retries, restoring every watched target.
 * - `stop()` releases what it holds within bounded time; after it resolves the connector emits
 *   nothing more.
 */
export interface Connector {
  start(): Promise<void>;
  stop(): Promise<void>;
  watch(target: WatchTarget): void;
  unwatch(target: WatchTarget): void;
}

/** Everything a connector instance gets, injected under {@link Tokens.ConnectorContext}. */
export interface ConnectorContext<Settings = unknown> {
  /** The instance id from configuration, e.g. `pbx-main`. Put it in `Observation.source`. */
  readonly id: string;
  /** Validated settings, secrets decrypted. */
  readonly settings: Settings;
  readonly sink: ObservationSink;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * The kind of source a connector type is: the core's `cti-over-sip` rule ranks `cti` sources
 * above `presence-server` ones; `other` sources rank below both.
 */
export type SourceClass = "cti" | "presence-server" | "other";

/** The live state of one connector, as Diagnostics and the API show it. */
export interface ConnectorHealth {
  readonly status: ConnectorStatus;
  readonly detail: string | null;
  readonly since: number;
}

/** The fields a connector type can serve; the hub only asks it for those. */
export type ConnectorFields = readonly PresenceField[];
